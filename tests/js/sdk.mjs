// The AWS SDK for JavaScript v3 against a signed rekey server: a few
// calls, their answers printed as one JSON line. Credentials, region and
// endpoint come from the standard environment variables, as any
// application would have them.
import {
  SecretsManagerClient,
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  DescribeSecretCommand,
  DeleteSecretCommand,
} from "@aws-sdk/client-secrets-manager";

const client = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL });
const name = process.argv[2];
const out = {};
const created = await client.send(new CreateSecretCommand({ Name: name, SecretString: "from-js" }));
out.arn = created.ARN;
await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: "from-js-2" }));
out.value = (await client.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
out.stages = (await client.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages;
try {
  await client.send(new GetSecretValueCommand({ SecretId: "does-not-exist" }));
} catch (e) {
  out.error = { name: e.name, message: e.message };
}
await client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
console.log(JSON.stringify(out));
