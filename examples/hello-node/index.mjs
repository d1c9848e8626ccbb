// Answers both a direct invoke ({"name": "Ada"}) and an HTTP request through /fn/{name},
// which arrives as an API Gateway v2 event.
export const handler = async (event, context) => {
  const http = event?.requestContext?.http;
  console.log(`hello-node ${http ? `${http.method} ${event.rawPath}` : 'invoke'} request ${context.awsRequestId}`);
  if (http) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: 'Hello from Node.js',
        path: event.rawPath,
        query: event.queryStringParameters ?? {},
        requestId: context.awsRequestId,
      }),
    };
  }
  return { message: `Hello, ${event?.name ?? 'world'} from Node.js`, requestId: context.awsRequestId };
};
