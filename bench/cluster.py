"""What bench/cluster drives with a client: rotations per second on a store,
and the cache's staleness window across nodes.

usage: cluster.py rotations <node-url> <schema> <count>
       cluster.py staleness <url-of-node-A> <url-of-node-B>

`rotations` creates <count> secrets with a daily rotation through the node
(RotateImmediately=false: only the configuration is tested), waits for
those tests, makes every schedule due at one instant (in the schema's
`secrets` table) and times how long until every rotation has succeeded,
whichever nodes ran them.

`staleness` writes a value through node A, and as soon as A acknowledges it
reads through node B until B returns it: the time B serves the old value
after A's acknowledgement, over a few hundred writes.
"""

import subprocess
import sys
import time

import boto3
from botocore.config import Config

FN = "arn:aws:lambda:us-east-1:000000000000:function:pw"


def client(url):
    return boto3.client(
        "secretsmanager",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="AKIDBENCH",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=32),
    )


def psql(schema, sql):
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qAtX", "-c", f"SET search_path TO {schema}; {sql}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def wait_until(what, check, limit=600):
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > limit:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def rotations(url, schema, n):
    c = client(url)
    for i in range(n):
        name = f"rot-{i:05d}"
        c.create_secret(Name=name, SecretString='{"password":"initial"}')
        c.rotate_secret(
            SecretId=name, RotationLambdaARN=FN, RotationRules={"AutomaticallyAfterDays": 1}, RotateImmediately=False
        )
    wait_until("the configuration tests", lambda: psql(schema, "SELECT count(*) FROM rotations WHERE status <> 'active'") == str(n))
    rotate = "body LIKE '%\"mode\":\"rotate\"%'"
    psql(schema, "UPDATE secrets SET rotate_at_ms = (extract(epoch from clock_timestamp()) * 1000)::bigint")
    took = wait_until(
        "the rotations", lambda: psql(schema, f"SELECT count(*) FROM rotations WHERE status = 'succeeded' AND {rotate}") == str(n)
    )
    nodes = psql(schema, "SELECT count(*) FROM nodes")
    print(f"  {nodes} node(s): {n} rotations in {took:.2f} s: {n / took:.1f} rotations/s")


def staleness(a_url, b_url, writes=300):
    a, b = client(a_url), client(b_url)
    # A secret per 90 writes: AWS's quota is 100 versions a day.
    names = [f"stale-{k}" for k in range(writes // 90 + 1)]
    for name in names:
        a.create_secret(Name=name, SecretString="v0")
        b.get_secret_value(SecretId=name)
    windows, stale_first = [], 0
    for i in range(1, writes + 1):
        value, name = f"v{i}", names[i // 90]
        a.put_secret_value(SecretId=name, SecretString=value)
        acked = time.monotonic()
        first = True
        while b.get_secret_value(SecretId=name)["SecretString"] != value:
            if first:
                stale_first += 1
                first = False
        windows.append(0.0 if first else time.monotonic() - acked)
    windows.sort()
    pct = lambda p: windows[min(len(windows) - 1, int(p * len(windows)))] * 1000
    print(
        f"staleness across nodes, {writes} writes through A each read through B at once:"
        f" {stale_first} read stale at first; stale for at most {pct(1.0):.2f} ms"
        f" (p50 {pct(0.5):.2f} ms, p99 {pct(0.99):.2f} ms over all writes)"
    )


if __name__ == "__main__":
    if sys.argv[1] == "rotations":
        rotations(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "staleness":
        staleness(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
