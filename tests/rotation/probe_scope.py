"""A rotation function that tries what its credentials allow and writes a
report (to the file named by PROBE_REPORT), then fails: the security
tests read what rekey let it do on whose behalf."""

import json
import os

import boto3
import botocore.exceptions


def lambda_handler(event, context):
    sm = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])
    report = {
        "key": os.environ["AWS_ACCESS_KEY_ID"],
        "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
        "token": os.environ.get("AWS_SESSION_TOKEN"),
    }

    def attempt(name, call):
        try:
            call()
            report[name] = "allowed"
        except botocore.exceptions.ClientError as e:
            report[name] = e.response["Error"]["Code"]

    attempt("describe_own", lambda: sm.describe_secret(SecretId=event["SecretId"]))
    attempt("read_own", lambda: sm.get_secret_value(SecretId=event["SecretId"]))
    attempt("read_other", lambda: sm.get_secret_value(SecretId="other"))
    attempt("write_other", lambda: sm.put_secret_value(SecretId="other", SecretString="overwritten"))
    attempt("create", lambda: sm.create_secret(Name="planted", SecretString="x"))
    attempt("list", lambda: sm.list_secrets())
    with open(os.environ["PROBE_REPORT"], "w") as f:
        json.dump(report, f)
    raise RuntimeError("the probe is done")
