"""A rotation function written the way AWS documents them (the structure of
AWS's SecretsManagerRotationTemplate): a boto3 client built from
SECRETS_MANAGER_ENDPOINT, the DescribeSecret preamble, createSecret that
fills the pending version with GetRandomPassword, finishSecret that moves
AWSCURRENT with UpdateSecretVersionStage.

For the tests it also reads a control directory (REKEY_TEST_CONTROL):
- a file `fail-<step>` makes that step raise;
- a file `slow-<step>` holding a number of seconds makes that step sleep first;
- every step appends `<step> <token> start|done` to `log`, and testSecret
  appends whether the pending value equals the current one (never a value).
"""

import logging
import os
import time

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def _control(name):
    d = os.environ.get("REKEY_TEST_CONTROL")
    return os.path.join(d, name) if d else None


def _log(line):
    path = _control("log")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def _hooks(step):
    slow = _control("slow-" + step)
    if slow and os.path.exists(slow):
        with open(slow) as f:
            time.sleep(float(f.read().strip() or "1"))
    fail = _control("fail-" + step)
    if fail and os.path.exists(fail):
        raise RuntimeError("injected failure in " + step)


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    # What a function prints is its log (rekey keeps it per step).
    print("rotating %s: %s for version %s" % (arn, step, token), flush=True)

    service_client = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])

    metadata = service_client.describe_secret(SecretId=arn)
    if not metadata["RotationEnabled"]:
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError("Secret version %s has no stage for rotation of secret %s." % (token, arn))
    if "AWSCURRENT" in versions[token]:
        logger.info("Secret version %s already set as AWSCURRENT for secret %s." % (token, arn))
        return
    elif "AWSPENDING" not in versions[token]:
        raise ValueError("Secret version %s not set as AWSPENDING for rotation of secret %s." % (token, arn))

    # Which event fields came (for the tests): the RotationToken's length.
    _log("%s %s start rotation-token-length=%d" % (step, token, len(event.get("RotationToken", ""))))
    _hooks(step)
    if step == "createSecret":
        create_secret(service_client, arn, token)
    elif step == "setSecret":
        set_secret(service_client, arn, token)
    elif step == "testSecret":
        test_secret(service_client, arn, token)
    elif step == "finishSecret":
        finish_secret(service_client, arn, token)
    else:
        raise ValueError("Invalid step parameter")
    _log("%s %s done" % (step, token))


def create_secret(service_client, arn, token):
    service_client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    try:
        service_client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        logger.info("createSecret: Successfully retrieved secret for %s." % arn)
    except service_client.exceptions.ResourceNotFoundException:
        exclude_characters = os.environ["EXCLUDE_CHARACTERS"] if "EXCLUDE_CHARACTERS" in os.environ else "/@\"'\\"
        passwd = service_client.get_random_password(ExcludeCharacters=exclude_characters)
        service_client.put_secret_value(
            SecretId=arn, ClientRequestToken=token, SecretString=passwd["RandomPassword"], VersionStages=["AWSPENDING"]
        )
        logger.info("createSecret: Successfully put secret for ARN %s and version %s." % (arn, token))


def set_secret(service_client, arn, token):
    # A real function sets the pending password in the database here.
    pass


def test_secret(service_client, arn, token):
    pending = service_client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
    current = service_client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")
    _log("testSecret %s pending-equals-current=%s" % (token, pending["SecretString"] == current["SecretString"]))


def finish_secret(service_client, arn, token):
    metadata = service_client.describe_secret(SecretId=arn)
    current_version = None
    for version in metadata["VersionIdsToStages"]:
        if "AWSCURRENT" in metadata["VersionIdsToStages"][version]:
            if version == token:
                logger.info("finishSecret: Version %s already marked as AWSCURRENT for %s" % (version, arn))
                return
            current_version = version
            break

    service_client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current_version
    )
    logger.info("finishSecret: Successfully set AWSCURRENT stage to version %s for secret %s." % (token, arn))
