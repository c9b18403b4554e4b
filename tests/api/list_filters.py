"""The ListSecrets filter matrix of docs/behaviour.md §10, through boto3's real
paginator (page size 1, so every answer is paginated). Exits non-zero on
the first mismatch. usage: list_filters.py <rekey-url>"""

import sys

import boto3

c = boto3.client("secretsmanager", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="000000000000", aws_secret_access_key="x")

# (name, description, tags): LocalStack's validated cases and a few more.
SECRETS = [
    ("s-a", "a secret", {"env": "prod"}),
    ("s-an", "an secret", {"env": "dev"}),
    ("s-asecret", "asecret", {"team": "core"}),
    ("s-the", "thesecret", {}),
    ("/root/app", "DescTwo", {"Owner": "alice"}),
    ("SecretOne", "one plus two", {}),
]
for name, description, tags in SECRETS:
    c.create_secret(Name=name, Description=description, SecretString="x",
                    Tags=[{"Key": k, "Value": v} for k, v in tags.items()])


def names(filters):
    pages = c.get_paginator("list_secrets").paginate(Filters=filters, PaginationConfig={"PageSize": 1})
    return sorted(e["Name"] for page in pages for e in page["SecretList"])


def f(key, *values):
    return {"Key": key, "Values": list(values)}


CASES = [
    ([f("description", "a")], ["s-a", "s-an", "s-asecret"]),
    ([f("description", "a secret")], ["s-a", "s-an"]),
    ([f("description", "!a")], ["/root/app", "SecretOne", "s-the"]),
    ([f("description", "!c")], sorted(n for n, _, _ in SECRETS)),
    ([f("description", "o t")], ["SecretOne"]),
    ([f("name", "/")], ["/root/app"]),
    ([f("name", "!/")], sorted(n for n, _, _ in SECRETS if not n.startswith("/"))),
    ([f("name", "s-a", "Secret")], ["SecretOne", "s-a", "s-an", "s-asecret"]),
    ([f("name", "secret")], []),
    ([f("name", "s-"), f("tag-key", "env")], ["s-a", "s-an"]),
    ([f("name", "s-"), f("name", "s-a")], ["s-a", "s-an", "s-asecret"]),
    ([f("tag-value", "pro")], ["s-a"]),
    ([f("tag-key", "Own")], ["/root/app"]),
    ([f("tag-key", "own")], []),
    ([f("all", "d t")], ["/root/app"]),
    ([f("all", "sec")], ["SecretOne", "s-a", "s-an"]),
    ([f("all", "ret")], []),
    ([f("all", "alice")], ["/root/app"]),
    ([f("all", "+")], []),
]
for filters, expected in CASES:
    got = names(filters)
    if got != expected:
        sys.exit(f"filters {filters}: expected {expected}, got {got}")
print(f"ok: {len(CASES)} filter cases")
