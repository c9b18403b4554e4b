"""The console benchmark's two halves (run by bench/console).

fill <rekey.db> <n>: writes n secrets (one AWSCURRENT version each, every
tenth with a rotation schedule) straight into a stopped server's store.

measure <url> <admin-credentials>: signs in to the console, then times,
interleaved so that the machine's noise falls on all three alike:
- GET /console/secrets (the first page, 25 secrets, with their rotation);
- the API calls that page is built from, signed as the same principal
  (ListSecrets MaxResults=25 and ListRotations of its secrets): the ceiling;
- GET /health/live: the bare HTTP server.
Then loads the page in Chromium (if there) and prints the assets' sizes.
"""

import configparser
import http.client
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import signed_headers  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402


def fill(db, n):
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")
    now = int(time.time() * 1000)
    rotation = json.dumps({"description": "bench", "rotation": {
        "enabled": True, "lambda_arn": "builtin:password",
        "rules": {"AutomaticallyAfterDays": 30}, "next_rotation": now + 86_400_000}})
    plain = json.dumps({"description": "bench"})
    with conn:
        for i in range(1, n + 1):
            conn.execute(
                "INSERT INTO secrets (id, account, region, name, suffix, created_ms, last_changed_ms, meta) "
                "VALUES (?, '000000000000', 'us-east-1', ?, 'AbCdEf', ?, ?, ?)",
                (i, f"team-{i % 50:02}/secret-{i:07}", now - n + i, now - n + i, rotation if i % 10 == 0 else plain))
            v = f"{i:0>36}"
            conn.execute("INSERT INTO versions (secret_pk, version_id, seq, created_ms) VALUES (?, ?, 1, ?)", (i, v, now))
            conn.execute("INSERT INTO labels (secret_pk, label, version_id) VALUES (?, 'AWSCURRENT', ?)", (i, v))
    print(f"filled {n} secrets")


def creds_of(path):
    c = configparser.ConfigParser()
    c.read(path)
    p = c["rekey-admin"]
    return p["aws_access_key_id"], p["aws_secret_access_key"]


def p50(samples):
    return statistics.median(samples) * 1000


def measure(url, credentials):
    key, secret = creds_of(credentials)
    host = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(host.hostname, host.port)

    def get(path, headers=None):
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r, body

    form = urllib.parse.urlencode({"access_key_id": key, "secret_access_key": secret,
                                   "region": "us-east-1", "duration": "3600"})
    conn.request("POST", "/console/signin", body=form,
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    r.read()
    cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie"][0].split(";")[0]
    session = json.loads(__import__("base64").urlsafe_b64decode(cookie.split("=", 1)[1] + "=="))
    creds = Credentials(session["k"], session["s"], session["t"])

    def api(target, body):
        data = json.dumps(body)
        conn.request("POST", "/", body=data, headers=signed_headers(url, target, data, creds=creds))
        r = conn.getresponse()
        out = json.loads(r.read())
        assert r.status == 200, out
        return out

    def ceiling():
        page = api("ListSecrets", {"MaxResults": 25, "SortBy": "created-date", "SortOrder": "asc"})
        arns = [e["ARN"] for e in page["SecretList"] if e.get("RotationLambdaARN")]
        if arns:
            api("rekey.ListRotations", {"SecretIds": arns, "MaxResults": 1})

    page_t, api_t, bare_t = [], [], []
    size = 0
    for i in range(120):
        t = time.perf_counter()
        r, body = get("/console/secrets", {"Cookie": cookie})
        page_t.append(time.perf_counter() - t)
        assert r.status == 200 and body.count(b"<tr>") == 26, (r.status, body[:300])
        size = len(body)
        t = time.perf_counter()
        ceiling()
        api_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        get("/health/live")
        bare_t.append(time.perf_counter() - t)
    page, ceil, bare = p50(page_t[20:]), p50(api_t[20:]), p50(bare_t[20:])
    print(f"first page of the secrets list: {page:.2f} ms p50 ({size} bytes of HTML)")
    print(f"  its API calls alone (ListSecrets + ListRotations): {ceil:.2f} ms  -> page / calls = {page / ceil:.2f}")
    print(f"  bare server (GET /health/live): {bare:.3f} ms  -> page / bare = {page / bare:.1f}")

    # Deep in the list, and in another order: keyset pages cost the same.
    token = None
    for _ in range(200):
        body = {"MaxResults": 100, "SortBy": "created-date", "SortOrder": "asc"}
        if token:
            body["NextToken"] = token
        token = api("ListSecrets", body)["NextToken"]
    deep = f"/console/secrets?size=100&sort=created&order=asc&token={urllib.parse.quote(token)}"
    first = "/console/secrets?size=100&sort=created&order=asc"
    by_name = "/console/secrets?size=100&sort=name&order=desc"
    times = {deep: [], first: [], by_name: []}
    for i in range(60):
        for path in times:
            t = time.perf_counter()
            r, body = get(path, {"Cookie": cookie})
            times[path].append(time.perf_counter() - t)
            assert r.status == 200 and body.count(b"<tr>") == 101, (path, r.status)
    f, d, n = (p50(times[k][10:]) for k in (first, deep, by_name))
    print(f"pages of 100: first {f:.2f} ms, the 201st (secrets 20,001-20,100) {d:.2f} ms ({d / f:.2f}x), "
          f"first by name descending {n:.2f} ms ({n / f:.2f}x)")

    assets = {}
    version = None
    r, body = get("/console/secrets", {"Cookie": cookie})
    for line in body.decode().split('"'):
        if line.startswith("/console/assets/"):
            version = line
            assets[line.rsplit("/", 1)[1]] = len(get(line)[1])
    print("embedded assets: " + ", ".join(f"{k} {v} B" for k, v in sorted(assets.items()))
          + f"; {sum(assets.values())} B in all")
    browser(url, cookie)


def browser(url, cookie):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    script = os.path.join(root, "tests", "js", "load.mjs")
    if not (shutil.which("node") and os.path.isdir(os.path.join(root, "tests/js/node_modules/playwright-core"))
            and os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium"))):
        print("Chromium load: skipped (node, tests/js/node_modules or chromium missing; scripts/test installs them)")
        return
    out = subprocess.run(["node", script, url, cookie], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    print(f"Chromium, first page of the list: DOMContentLoaded {r['domContentLoaded']:.1f} ms, "
          f"load {r['load']:.1f} ms (median of {r['runs']}, assets cached after the first)")


if __name__ == "__main__":
    if sys.argv[1] == "fill":
        fill(sys.argv[2], int(sys.argv[3]))
    else:
        measure(sys.argv[2], sys.argv[3])
