// Takes event.ms milliseconds: for timeouts, concurrency and queueing.
export const handler = async (event) => {
  console.log('sleeping');
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { slept: event.ms };
};
