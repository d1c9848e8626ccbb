// Holds event.mb megabytes across invocations: for memory limits and OOM kills.
const held = [];

export const handler = async (event) => {
  for (let i = 0; i < event.mb; i++) {
    // Filled, so the pages are really committed rather than lazily mapped.
    held.push(Buffer.alloc(1024 * 1024, i % 256));
  }
  return { count: held.length };
};
