"""Rotation benchmark (run by bench/rotation).

1. Throughput: N secrets (default 1000) rotated with builtin:password, all
   started at once; rotations per second from the first RotateSecret until
   every rotation has succeeded.
2. Executor latency: the same AWS-style Python rotation function
   (tests/rotation/rotate_generic.py) behind exec, http, runtime
   (awslambdaric) and lambda (the Invoke API test double), against
   builtin:password as the baseline: median time of one step invocation
   and of a whole rotation, from the rotation history.

usage: rotation.py <rekey-binary> <workdir>
"""

import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

import boto3

REKEY, WORK = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FNS = os.path.join(ROOT, "tests", "rotation")
SECRETS = int(os.environ.get("BENCH_SECRETS", "1000"))
SAMPLES = int(os.environ.get("BENCH_ROTATIONS", "10"))
PY = sys.executable
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="000000000000", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
procs = []


def spawn(args, **kw):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=kw.pop("env", ENV), **kw)
    procs.append(p)
    return p


def start_rekey(name, config):
    d = os.path.join(WORK, name)
    os.makedirs(d)
    with open(os.path.join(d, "rekey.toml"), "w") as f:
        f.write(config)
    env = dict(ENV, REKEY_LOG="warn")
    p = spawn([REKEY, "serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir", d + "/data", "--config", d + "/rekey.toml"], env=env)
    runtimes = {}
    while True:
        line = p.stdout.readline().strip()
        if line.startswith("rekey listening on "):
            return line.split(" on ", 1)[1], runtimes
        if line.startswith("rekey runtime API for "):
            arn, at = line[len("rekey runtime API for "):].split(" on ")
            runtimes[arn] = at
        elif not line:
            raise SystemExit("rekey did not start")


def client(url):
    return boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="000000000000", aws_secret_access_key="x")


def rotations(url, secret=None):
    body = {"MaxResults": 1000}
    if secret:
        body["SecretId"] = secret
    req = urllib.request.Request(url + "/", data=json.dumps(body).encode(), method="POST", headers={
        "X-Amz-Target": "rekey.ListRotations",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/secretsmanager/aws4_request",
    })
    with urllib.request.urlopen(req) as r:
        return json.load(r)["Rotations"]


CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))


def submit(chunk):
    url, arn, ids = chunk
    c = client(url)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: c.rotate_secret(SecretId=f"s{i}", RotationLambdaARN=arn), ids))


def throughput():
    arn = "arn:aws:lambda:us-east-1:000000000000:function:bench-password"
    url, _ = start_rekey("throughput", f'[rotation]\nconcurrency = 64\n[[function]]\narn = "{arn}"\ntype = "builtin:password"\n')
    c = client(url)
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda i: c.create_secret(Name=f"s{i}", SecretString="initial"), range(SECRETS)))
    # Several processes submit, so that the client is not what limits.
    chunks = [(url, arn, range(i, SECRETS, CLIENTS)) for i in range(CLIENTS)]
    start = time.monotonic()
    with concurrent.futures.ProcessPoolExecutor(CLIENTS) as pool:
        list(pool.map(submit, chunks))
    accepted = time.monotonic() - start
    while True:
        jobs = rotations(url)
        done = sum(1 for j in jobs if j["status"] == "succeeded")
        failed = [j for j in jobs if j["status"] == "failed"]
        if failed:
            raise SystemExit(f"rotation failed: {failed[0]}")
        if done == SECRETS:
            break
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    print(f"throughput: {SECRETS} secrets, builtin:password, RotateSecret from {CLIENTS} processes x 8 threads")
    print(f"  RotateSecret accepted: {SECRETS / accepted:8.0f}/s   rotations completed: {SECRETS / elapsed:8.0f}/s   ({elapsed:.2f} s)")


def host(mode, control):
    env = dict(ENV, REKEY_TEST_CONTROL=control, HOST_ACCESS_KEY_ID="AKIDBENCH", HOST_SECRET_ACCESS_KEY="bench/secret")
    p = spawn([PY, os.path.join(FNS, "function_host.py"), mode, "rotate_generic.lambda_handler"], env=env)
    return "http://127.0.0.1:" + p.stdout.readline().strip().split()[-1]


def latency():
    fn = "arn:aws:lambda:us-east-1:000000000000:function:bench-"
    control = os.path.join(WORK, "control")
    os.makedirs(control)
    http_url, lambda_url = host("http", control), host("lambda", control)
    config = f"""
[[function]]
arn = "{fn}builtin"
type = "builtin:password"
[[function]]
arn = "{fn}exec"
type = "exec"
command = ["{PY}", "{FNS}/run_exec.py", "rotate_generic.lambda_handler"]
[[function]]
arn = "{fn}http"
type = "http"
url = "{http_url}/"
[[function]]
arn = "{fn}lambda"
type = "lambda"
endpoint = "{lambda_url}"
access_key_id = "AKIDBENCH"
secret_access_key = "bench/secret"
[[function]]
arn = "{fn}runtime"
type = "runtime"
listen = "127.0.0.1:0"
"""
    url, runtimes = start_rekey("latency", config)
    with open(os.path.join(control, "endpoint"), "w") as f:
        f.write(url)
    env = dict(ENV, AWS_LAMBDA_RUNTIME_API=runtimes[fn + "runtime"], SECRETS_MANAGER_ENDPOINT=url, PYTHONPATH=FNS)
    subprocess.Popen([PY, "-m", "awslambdaric", "rotate_generic.lambda_handler"], cwd=FNS, env=env,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c = client(url)
    rows = []
    for kind in ["builtin", "exec", "http", "runtime", "lambda"]:
        steps, totals = [], []
        for i in range(SAMPLES):
            name = f"{kind}-{i}"
            c.create_secret(Name=name, SecretString="initial")
            c.rotate_secret(SecretId=name, RotationLambdaARN=fn + kind)
            while True:
                job = rotations(url, name)[0]
                if job["status"] != "active":
                    break
                time.sleep(0.01)
            if job["status"] != "succeeded":
                raise SystemExit(f"{kind}: {job}")
            steps += [s["millis"] for s in job["steps"]]
            totals.append((job["updated"] - job["created"]) * 1000)
        rows.append((kind, statistics.median(steps), statistics.median(totals)))
    base_step, base_total = rows[0][1], rows[0][2]
    print(f"\nexecutor latency: the same Python rotation function, {SAMPLES} rotations each, medians")
    print(f"  {'executor':10} {'step ms':>9} {'rotation ms':>12} {'added per step ms':>18}")
    for kind, step, total in rows:
        print(f"  {kind:10} {step:9.1f} {total:12.1f} {step - base_step:18.1f}")


def main():
    try:
        throughput()
        latency()
    finally:
        for p in procs:
            p.kill()
        subprocess.run(["pkill", "-f", "awslambdaric rotate_generic"], check=False)


if __name__ == "__main__":
    main()
