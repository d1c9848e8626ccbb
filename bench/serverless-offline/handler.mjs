// serverless-offline loads handlers from the service directory; this is the same handler.
export { handler } from '../functions/hello-node/index.mjs';
