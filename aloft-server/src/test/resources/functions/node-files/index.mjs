// Reads, writes or lists a path on request: for proving what the sandbox lets a function touch.
import fs from 'node:fs/promises';

const attempt = async (action) => {
  try {
    return { ok: true, ...(await action()) };
  } catch (e) {
    return { ok: false, error: e.code ?? String(e) };
  }
};

export const handler = async (event) => {
  if (event.read !== undefined) {
    return attempt(async () => ({ content: await fs.readFile(event.read, 'utf8') }));
  }
  if (event.write !== undefined) {
    return attempt(async () => { await fs.writeFile(event.write, event.data ?? ''); return {}; });
  }
  if (event.list !== undefined) {
    return attempt(async () => ({ entries: await fs.readdir(event.list) }));
  }
  return { ok: false, error: 'expected one of {read}, {write, data}, {list}' };
};
