// Reports what the function sees of its context and environment.
import os from 'node:os';

const ENV_NAMES = [
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_REGION', 'TZ', 'LAMBDA_TASK_ROOT', '_HANDLER',
];

export const handler = async (event, context) => ({
  context: {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remainingTimeInMillis: context.getRemainingTimeInMillis(),
  },
  env: Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name] ?? null])),
  uid: process.getuid(),
  tmpdir: os.tmpdir(),
});
