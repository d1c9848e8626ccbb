// CommonJS module with an async handler: proves the runtime loads require-style code.
exports.handler = async (event) => ({ echo: event });
