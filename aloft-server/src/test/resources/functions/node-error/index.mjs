// A handler that fails: the error's type and message must reach the caller.
export const handler = async (event) => {
  throw new TypeError('bad input: ' + JSON.stringify(event));
};
