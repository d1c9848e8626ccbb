// Exits mid-invocation: the platform must report Runtime.ExitError and replace the instance.
export const handler = async () => {
  console.log('about to crash');
  process.exit(3);
};
