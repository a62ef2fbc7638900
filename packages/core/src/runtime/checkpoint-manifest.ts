import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './experiment-files.ts';

export const MANIFEST_FILE = 'manifest.json';

const manifestSchema = z.object({
  files: z.record(z.string(), z.object({ size: z.number().int().nonnegative(), sha256: z.string() })),
});

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Flushes a file or folder to disk (a folder's fsync makes the names in it durable). */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Every regular file under `folder`, relative paths, sorted; and every folder, deepest first. */
async function walk(folder: string): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  const visit = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await visit(path);
      else if (entry.isFile()) files.push(relative(folder, path));
    }
    folders.push(current);
  };
  await visit(folder);
  return { files: files.sort(), folders };
}

/**
 * Writes `manifest.json` (size and sha256 of every file in the checkpoint folder) and flushes every file and
 * folder to disk, so that after a crash a checkpoint is either whole or detectably not.
 */
export async function sealCheckpoint(folder: string): Promise<void> {
  const { files } = await walk(folder);
  const entries: Record<string, { size: number; sha256: string }> = {};
  for (const name of files) {
    if (name === MANIFEST_FILE) continue;
    const path = join(folder, name);
    await fsyncPath(path);
    entries[name] = { size: (await stat(path)).size, sha256: await sha256(path) };
  }
  await writeFileAtomic(join(folder, MANIFEST_FILE), `${JSON.stringify({ files: entries }, null, 1)}\n`);
  await fsyncPath(join(folder, MANIFEST_FILE));
  for (const path of (await walk(folder)).folders) await fsyncPath(path);
}

/**
 * Why a checkpoint folder is not whole, or undefined when every file its manifest lists has the size and sha256
 * written there. A checkpoint from before manifests (none there) is taken as whole if it has a state.json.
 */
export async function checkpointDamage(folder: string): Promise<string | undefined> {
  const manifestFile = join(folder, MANIFEST_FILE);
  if (!existsSync(manifestFile)) return existsSync(join(folder, 'state.json')) ? undefined : 'state.json is missing';
  let manifest: z.output<typeof manifestSchema>;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestFile, 'utf8')));
    if (!parsed.success) return `${MANIFEST_FILE} is not valid`;
    manifest = parsed.data;
  } catch {
    return `${MANIFEST_FILE} is unreadable`;
  }
  for (const [name, expected] of Object.entries(manifest.files)) {
    const path = join(folder, name);
    if (!existsSync(path)) return `${name} is missing`;
    const size = (await stat(path)).size;
    if (size !== expected.size) return `${name} has ${size} bytes, ${expected.size} were written`;
    if ((await sha256(path)) !== expected.sha256) return `${name} does not match its sha256`;
  }
  return undefined;
}
