import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Written by the server beside a saved state (core's checkpoint manifest does the same on the trainer's side). */
export const STATE_MANIFEST = 'ajet-state-manifest.json';

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function walk(folder: string, files: string[], folders: string[]): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, files, folders);
    else if (entry.isFile()) files.push(path);
  }
  folders.push(folder);
}

/** Flushes a saved state to disk and records size and sha256 of each of its files. */
export async function sealState(folder: string): Promise<void> {
  const files: string[] = [];
  const folders: string[] = [];
  await walk(folder, files, folders);
  const entries: Record<string, { size: number; sha256: string }> = {};
  for (const file of files) {
    const name = relative(folder, file);
    if (name === STATE_MANIFEST) continue;
    await fsyncPath(file);
    entries[name] = { size: (await stat(file)).size, sha256: await sha256(file) };
  }
  await writeFile(join(folder, STATE_MANIFEST), `${JSON.stringify({ files: entries }, null, 1)}\n`);
  await fsyncPath(join(folder, STATE_MANIFEST));
  for (const path of folders) await fsyncPath(path);
}

/** Why a saved state is not whole, or undefined (also for a state saved before manifests). */
export async function stateDamage(folder: string): Promise<string | undefined> {
  const file = join(folder, STATE_MANIFEST);
  if (!existsSync(file)) return undefined;
  let files: Record<string, { size?: unknown; sha256?: unknown }>;
  try {
    files = (JSON.parse(await readFile(file, 'utf8')) as { files: typeof files }).files ?? {};
  } catch {
    return `${STATE_MANIFEST} is unreadable`;
  }
  for (const [name, expected] of Object.entries(files)) {
    const path = join(folder, name);
    if (!existsSync(path)) return `${name} is missing`;
    const size = (await stat(path)).size;
    if (size !== expected.size) return `${name} has ${size} bytes, ${String(expected.size)} were written`;
    if ((await sha256(path)) !== expected.sha256) return `${name} does not match its sha256`;
  }
  return undefined;
}
