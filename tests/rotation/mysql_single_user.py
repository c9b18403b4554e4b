"""A MySQL/MariaDB single-user rotation function written as AWS's
SecretsManagerRDSMySQLRotationSingleUser template is (pymysql, a boto3
client built from SECRETS_MANAGER_ENDPOINT): createSecret puts the current
value with a GetRandomPassword password as AWSPENDING; setSecret logs in
with the pending, else current, else previous credentials and sets the
password; testSecret logs in with the pending ones; finishSecret moves
AWSCURRENT. The tests use it to show that a secret rotated by rekey's
built-in rotator can be rotated by AWS's kind of function, and back."""

import json
import logging
import os

import boto3
import pymysql

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    service_client = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])

    metadata = service_client.describe_secret(SecretId=arn)
    if "RotationEnabled" in metadata and not metadata["RotationEnabled"]:
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError("Secret version %s has no stage for rotation of secret %s." % (token, arn))
    if "AWSCURRENT" in versions[token]:
        return
    elif "AWSPENDING" not in versions[token]:
        raise ValueError("Secret version %s not set as AWSPENDING for rotation of secret %s." % (token, arn))

    if step == "createSecret":
        create_secret(service_client, arn, token)
    elif step == "setSecret":
        set_secret(service_client, arn, token)
    elif step == "testSecret":
        test_secret(service_client, arn, token)
    elif step == "finishSecret":
        finish_secret(service_client, arn, token)
    else:
        raise ValueError("Invalid step parameter %s for secret %s" % (step, arn))


def create_secret(service_client, arn, token):
    current_dict = get_secret_dict(service_client, arn, "AWSCURRENT")
    try:
        get_secret_dict(service_client, arn, "AWSPENDING", token)
    except service_client.exceptions.ResourceNotFoundException:
        exclude_characters = os.environ.get("EXCLUDE_CHARACTERS", "/@\"'\\")
        passwd = service_client.get_random_password(ExcludeCharacters=exclude_characters)
        current_dict["password"] = passwd["RandomPassword"]
        service_client.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(current_dict), VersionStages=["AWSPENDING"]
        )


def set_secret(service_client, arn, token):
    current_dict = get_secret_dict(service_client, arn, "AWSCURRENT")
    pending_dict = get_secret_dict(service_client, arn, "AWSPENDING", token)
    conn = get_connection(pending_dict)
    if conn:
        conn.close()
        return
    conn = get_connection(current_dict)
    if not conn:
        try:
            conn = get_connection(get_secret_dict(service_client, arn, "AWSPREVIOUS"))
        except service_client.exceptions.ResourceNotFoundException:
            conn = None
    if not conn:
        raise ValueError("Unable to log into database with previous, current, or pending secret of secret arn %s" % arn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version = cur.fetchone()[0]
            if version.startswith("8"):
                cur.execute("ALTER USER CURRENT_USER() IDENTIFIED BY %s", pending_dict["password"])
            else:
                cur.execute("SET PASSWORD = PASSWORD(%s)", pending_dict["password"])
            conn.commit()
    finally:
        conn.close()


def test_secret(service_client, arn, token):
    conn = get_connection(get_secret_dict(service_client, arn, "AWSPENDING", token))
    if not conn:
        raise ValueError("Unable to log into database with pending secret of secret ARN %s" % arn)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT NOW()")
            conn.commit()
    finally:
        conn.close()


def finish_secret(service_client, arn, token):
    metadata = service_client.describe_secret(SecretId=arn)
    current_version = None
    for version in metadata["VersionIdsToStages"]:
        if "AWSCURRENT" in metadata["VersionIdsToStages"][version]:
            if version == token:
                return
            current_version = version
            break
    service_client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current_version
    )


def get_connection(secret_dict):
    port = int(secret_dict["port"]) if "port" in secret_dict else 3306
    dbname = secret_dict.get("dbname")
    try:
        return pymysql.connect(
            host=secret_dict["host"], user=secret_dict["username"], passwd=secret_dict["password"],
            port=port, database=dbname, connect_timeout=5,
        )
    except pymysql.OperationalError:
        return None


def get_secret_dict(service_client, arn, stage, token=None):
    required_fields = ["host", "username", "password"]
    if token:
        secret = service_client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=stage)
    else:
        secret = service_client.get_secret_value(SecretId=arn, VersionStage=stage)
    secret_dict = json.loads(secret["SecretString"])
    for field in required_fields:
        if field not in secret_dict:
            raise KeyError("%s key is missing from secret JSON" % field)
    return secret_dict
