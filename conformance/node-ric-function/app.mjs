// Handlers run by AWS's Node.js runtime interface client (aws-lambda-ric), which Aloft has not
// seen the inside of: everything below goes through the client's own loading, context and error
// reporting.

export const handler = async (event, context) => {
  console.log(`hello from aws-lambda-ric, request ${context.awsRequestId}`);
  return {
    message: "Hello from aws-lambda-ric",
    requestId: context.awsRequestId,
    fn: context.functionName,
    event,
  };
};

export const fails = async (event) => {
  throw new TypeError(`cannot handle ${JSON.stringify(event)}`);
};
