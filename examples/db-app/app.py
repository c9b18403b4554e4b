"""A small application that reads its MySQL/MariaDB credentials from
Secrets Manager through an AWS SDK (boto3) and keeps working while rekey
rotates them.

It queries in a loop and opens a new connection every few queries (as a
connection pool recycles connections). When a new connection is refused,
it reads the secret again and reconnects — the pattern AWS recommends for
rotated credentials. With alternating-users rotation the credentials it
holds keep working until the rotation after next, so no query fails.

    AWS_ENDPOINT_URL=http://127.0.0.1:4584 AWS_DEFAULT_REGION=us-east-1 \\
    AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… \\
        python app.py <secret-id> <seconds> [<stats.json>]

It prints (or writes) what it did: queries that succeeded and failed, how
often it re-read the secret, and which database users it logged in as.
"""

import json
import sys
import time

import boto3
import pymysql

ACCESS_DENIED = 1045


def main():
    secret_id, seconds = sys.argv[1], float(sys.argv[2])
    stats_path = sys.argv[3] if len(sys.argv) > 3 else None
    client = boto3.client("secretsmanager")

    def credentials():
        return json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])

    def connect(c):
        return pymysql.connect(
            host=c["host"], port=int(c.get("port", 3306)), user=c["username"], password=c["password"],
            database=c.get("dbname"), connect_timeout=5,
        )

    stats = {"ok": 0, "failed": 0, "refreshes": 0, "users": []}
    creds = credentials()
    conn = connect(creds)
    stats["users"].append(creds["username"])
    end = time.time() + seconds
    while time.time() < end:
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
                cur.fetchone()
            stats["ok"] += 1
            if stats["ok"] % 20 == 0:
                conn.close()
                try:
                    conn = connect(creds)
                except pymysql.err.OperationalError as e:
                    if e.args[0] != ACCESS_DENIED:
                        raise
                    # Rotated: read the secret again.
                    stats["refreshes"] += 1
                    creds = credentials()
                    conn = connect(creds)
                if creds["username"] not in stats["users"]:
                    stats["users"].append(creds["username"])
        except pymysql.err.Error:
            stats["failed"] += 1
            creds = credentials()
            conn = connect(creds)
        time.sleep(0.005)
    conn.close()
    out = json.dumps(stats)
    if stats_path:
        with open(stats_path, "w") as f:
            f.write(out)
    print(out)


if __name__ == "__main__":
    main()
