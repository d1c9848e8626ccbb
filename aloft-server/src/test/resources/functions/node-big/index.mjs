// Answers with event.mb megabytes of text: for the Runtime API's 6 MB response limit.
export const handler = async (event) => ({ text: 'x'.repeat(event.mb * 1024 * 1024) });
