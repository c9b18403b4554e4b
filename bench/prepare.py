"""Prepares a benchmark run: creates the secrets, signs the requests once
(a SigV4 signature stays valid for minutes, so wrk replays it), and writes
the wrk scripts.

usage: prepare.py <rekey-url> <bare-url> <secrets> <out-dir> [<signed-url> <admin-credentials>]

With a signed server (no --dev) and its administrator credentials file, it
also creates a user whose identity policy has ten statements (the one that
allows GetSecretValue last, behind nine that are evaluated and do not
match) and signs a GetSecretValue as that user: the cost of security.
"""

import http.client
import json
import os
import sys
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CREDS = Credentials("AKIDBENCHEXAMPLE", "bench/secret/key/EXAMPLE")
REGION = "us-east-1"


class UnsignedPayloadAuth(SigV4Auth):
    """SigV4 with `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so one signature
    covers bodies that change per request (PutSecretValue tokens)."""

    def payload(self, request):
        return "UNSIGNED-PAYLOAD"


def signed_headers(url, target, body, unsigned_payload=False, creds=CREDS):
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target if "." in target else "secretsmanager." + target,
    }
    if unsigned_payload:
        headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    req = AWSRequest(method="POST", url=url + "/", data=body, headers=headers)
    auth = UnsignedPayloadAuth if unsigned_payload else SigV4Auth
    auth(creds, "secretsmanager", REGION).add_auth(req)
    return dict(req.headers.items())


def call(conn, url, target, body, creds=CREDS):
    conn.request("POST", "/", body=body, headers=signed_headers(url, target, body, creds=creds))
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise SystemExit(f"{target} failed: {resp.status} {data!r}")
    return data


def lua_string(s):
    return "[==[" + s + "]==]"


DONE = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%.0f p99_us=%.0f non2xx=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def fixed_script(path, headers, body):
    lines = ['wrk.method = "POST"', "wrk.body = " + lua_string(body)]
    for k, v in headers.items():
        if k.lower() not in ("content-length", "host"):
            lines.append(f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + DONE)


def put_script(path, headers, secrets):
    lines = ['wrk.method = "POST"']
    for k, v in headers.items():
        if k.lower() not in ("content-length", "host"):
            lines.append(f"wrk.headers[ {lua_string(k)} ] = {lua_string(v)}")
    lines.append(f"""
local threads = 0
setup = function(thread)
  thread:set("id", threads)
  threads = threads + 1
end
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{{"SecretId":"bench-%d","SecretString":"bench value %d","ClientRequestToken":"%08d-0000-4000-8000-%012d"}}',
    (counter * 7919 + id) % {secrets}, counter, id, counter)
  return wrk.format(nil, nil, nil, body)
end
""")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + DONE)


def admin_credentials(path):
    values = {}
    for line in open(path):
        if "=" in line:
            k, v = line.split("=", 1)
            values[k.strip()] = v.strip()
    return Credentials(values["aws_access_key_id"], values["aws_secret_access_key"])


def ten_statement_policy():
    """Nine statements a GetSecretValue is checked against and that do not
    match (other actions, other resources, unmet conditions, a deny for
    another action), then the allow; shared with the in-process
    benchmarks (`auth_bench`, `authz_bench`)."""
    path = os.path.join(os.path.dirname(__file__), "..", "crates", "rekey-server", "examples", "ten_statements.json")
    with open(path) as f:
        return json.dumps(json.load(f))


def prepare_signed(url, credentials_file, out):
    admin = admin_credentials(credentials_file)
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    body = json.dumps({"Name": "bench-0", "SecretString": "x" * 64, "ClientRequestToken": "bench-create-" + "0" * 24})
    call(conn, url, "CreateSecret", body, creds=admin)
    call(conn, url, "rekey.CreateUser", json.dumps({"UserName": "bench"}), creds=admin)
    policy = {"UserName": "bench", "PolicyName": "ten", "PolicyDocument": ten_statement_policy()}
    call(conn, url, "rekey.PutUserPolicy", json.dumps(policy), creds=admin)
    key = json.loads(call(conn, url, "rekey.CreateAccessKey", json.dumps({"UserName": "bench"}), creds=admin))
    user = Credentials(key["AccessKey"]["AccessKeyId"], key["AccessKey"]["SecretAccessKey"])
    get_body = json.dumps({"SecretId": "bench-0"})
    call(conn, url, "GetSecretValue", get_body, creds=user)
    fixed_script(f"{out}/get-signed.lua", signed_headers(url, "GetSecretValue", get_body, creds=user), get_body)
    # The account's root: signature verification without policy evaluation.
    fixed_script(f"{out}/get-root.lua", signed_headers(url, "GetSecretValue", get_body, creds=admin), get_body)


def main():
    rekey, bare, secrets, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if len(sys.argv) > 6:
        prepare_signed(sys.argv[5], sys.argv[6], out)
    u = urllib.parse.urlparse(rekey)
    conn = http.client.HTTPConnection(u.hostname, u.port)
    for i in range(secrets):
        body = json.dumps({"Name": f"bench-{i}", "SecretString": "x" * 64, "ClientRequestToken": f"bench-create-{i:024d}"})
        call(conn, rekey, "CreateSecret", body)

    get_body = json.dumps({"SecretId": "bench-0"})
    fixed_script(f"{out}/get.lua", signed_headers(rekey, "GetSecretValue", get_body), get_body)
    # The baseline gets the same request, headers and all.
    fixed_script(f"{out}/bare.lua", signed_headers(bare, "GetSecretValue", get_body), get_body)
    put_script(f"{out}/put.lua", signed_headers(rekey, "PutSecretValue", "", unsigned_payload=True), secrets)


if __name__ == "__main__":
    main()
