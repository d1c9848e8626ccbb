// Reports what an instance sees of itself: for proving a prewarmed process became this function
// and nothing else (its code only, read-only; its own /tmp; its own environment).
import fs from 'node:fs';

export const handler = async (event, context) => {
  const root = process.env.LAMBDA_TASK_ROOT;
  let codeWritable;
  try {
    fs.writeFileSync(`${root}/planted`, 'x');
    codeWritable = true;
  } catch {
    codeWritable = false;
  }
  const tmpBefore = fs.readdirSync('/tmp');
  fs.writeFileSync(`/tmp/${context.functionName}`, 'mine');
  return {
    fn: context.functionName,
    memory: context.memoryLimitInMB,
    greeting: process.env.GREETING ?? null,
    bindFlag: process.env.ALOFT_BIND ?? null,
    files: fs.readdirSync(root).sort(),
    codeWritable,
    tmpBefore,
  };
};
