// A function's lifecycle through Aloft's Lambda API with the AWS SDK for JavaScript v3, as a user
// would drive it. Prints one JSON object of what it saw; exits 1 when a step threw unexpectedly.
// Env: ALOFT_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ZIP_ECHO, ZIP_ECHO_V2, ZIP_BEHAVE.
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient,
  ResourceNotFoundException, UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';

const client = new LambdaClient({
  endpoint: process.env.ALOFT_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY },
  maxAttempts: 1,
});
const decode = (bytes) => new TextDecoder().decode(bytes);
const encode = (value) => new TextEncoder().encode(JSON.stringify(value));
const result = {};

async function typedError(step) {
  try {
    await step();
    return { name: 'none' };
  } catch (e) {
    return { name: e.name, typed: e instanceof ResourceNotFoundException, status: e.$metadata?.httpStatusCode, message: e.message };
  }
}

try {
  const created = await client.send(new CreateFunctionCommand({
    FunctionName: 'js-life', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/js',
    Code: { ZipFile: readFileSync(process.env.ZIP_ECHO) },
  }));
  result.created = { arn: created.FunctionArn, runtime: created.Runtime, state: created.State, codeSize: created.CodeSize };

  const invoked = await client.send(new InvokeCommand({ FunctionName: 'js-life', Payload: encode({ from: 'js' }) }));
  result.invoke = { status: invoked.StatusCode, version: invoked.ExecutedVersion, payload: JSON.parse(decode(invoked.Payload)) };

  await client.send(new CreateFunctionCommand({
    FunctionName: 'js-tail', Runtime: 'provided.al2023', Handler: 'bootstrap', Role: 'arn:aws:iam::000000000000:role/js',
    Code: { ZipFile: readFileSync(process.env.ZIP_BEHAVE) },
  }));
  const tailed = await client.send(new InvokeCommand({
    FunctionName: 'js-tail', LogType: 'Tail', Payload: encode({ print: ['tail from js'], echo: 2 }),
  }));
  result.tail = { payload: JSON.parse(decode(tailed.Payload)), log: Buffer.from(tailed.LogResult, 'base64').toString('utf8') };

  const updated = await client.send(new UpdateFunctionCodeCommand({ FunctionName: 'js-life', ZipFile: readFileSync(process.env.ZIP_ECHO_V2) }));
  const afterUpdate = await client.send(new InvokeCommand({ FunctionName: 'js-life', Payload: encode({ n: 3 }) }));
  result.updated = { codeSize: updated.CodeSize, payload: JSON.parse(decode(afterUpdate.Payload)) };

  result.missing = await typedError(() => client.send(new GetFunctionCommand({ FunctionName: 'js-nope' })));

  await client.send(new DeleteFunctionCommand({ FunctionName: 'js-life' }));
  await client.send(new DeleteFunctionCommand({ FunctionName: 'js-tail' }));
  result.afterDelete = await typedError(() => client.send(new InvokeCommand({ FunctionName: 'js-life', Payload: encode({}) })));

  console.log(JSON.stringify(result));
} catch (e) {
  console.log(JSON.stringify({ failed: { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }, result }));
  process.exit(1);
}
