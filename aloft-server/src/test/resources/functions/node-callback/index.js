// Callback-style handler: the runtime must answer when the callback is called.
exports.handler = (event, context, callback) =>
  callback(null, { echo: event, remaining: context.getRemainingTimeInMillis() > 0, fn: context.functionName });
