// The benchmark's hello handler: a small JSON HTTP response (API Gateway v2 / function URL shape).
// No logging, so the numbers measure the platform rather than log shipping.
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ message: 'hello', path: event?.rawPath ?? '/' }),
});
