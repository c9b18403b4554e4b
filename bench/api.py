"""BatchGetSecretValue of 20 secrets against 20 GetSecretValue calls, over
HTTP with boto3 (run by bench/list). usage: api.py <rekey-url>"""

import statistics
import sys
import time

import boto3

url = sys.argv[1]
c = boto3.client("secretsmanager", endpoint_url=url, region_name="us-east-1",
                 aws_access_key_id="000000000000", aws_secret_access_key="x")
names = [f"batch-{i}" for i in range(20)]
for n in names:
    c.create_secret(Name=n, SecretString="value of " + n)


def timed(f, runs=100):
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


single = timed(lambda: [c.get_secret_value(SecretId=n) for n in names])
batch = timed(lambda: c.batch_get_secret_value(SecretIdList=names))
print(f"20 x GetSecretValue:        {single:8.2f} ms (median of 100)")
print(f"1 x BatchGetSecretValue(20): {batch:8.2f} ms   ({single / batch:.1f}x faster)")
