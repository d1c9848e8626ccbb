// Sleeps for the event's `ms` (default 0): holds an instance busy so concurrent invokes start many.
export const handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, Number(event?.ms ?? 0)));
  return { sleptMs: Number(event?.ms ?? 0) };
};
