import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';

/** Written by a server beside a saved state (`ajet serve`; the Python backend writes the same file). */
export const STATE_MANIFEST = 'ajet-state-manifest.json';

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
 * Writes `manifest` (size and sha256 of every other file in the folder) and flushes every file and folder to disk,
 * so that after a crash the folder is either whole or detectably not.
 */
export async function sealFolder(options: { folder: string; manifest: string }): Promise<void> {
  const { folder, manifest } = options;
  const { files } = await walk(folder);
  const entries: Record<string, { size: number; sha256: string }> = {};
  for (const name of files) {
    if (name === manifest) continue;
    const path = join(folder, name);
    await fsyncPath(path);
    entries[name] = { size: (await stat(path)).size, sha256: await sha256(path) };
  }
  const target = join(folder, manifest);
  const temporary = `${target}.tmp-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify({ files: entries }, null, 1)}\n`);
  await fsyncPath(temporary);
  await rename(temporary, target);
  for (const path of (await walk(folder)).folders) await fsyncPath(path);
}

/**
 * Why a sealed folder is not whole, or undefined when every file its manifest lists has the size and sha256
 * written there. Undefined too when there is no manifest (a folder saved before manifests): the caller decides.
 */
export async function folderDamage(options: { folder: string; manifest: string }): Promise<string | undefined> {
  const { folder, manifest } = options;
  const manifestFile = join(folder, manifest);
  if (!existsSync(manifestFile)) return undefined;
  let listed: z.output<typeof manifestSchema>;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(manifestFile, 'utf8')));
    if (!parsed.success) return `${manifest} is not valid`;
    listed = parsed.data;
  } catch {
    return `${manifest} is unreadable`;
  }
  for (const [name, expected] of Object.entries(listed.files)) {
    const path = join(folder, name);
    if (!existsSync(path)) return `${name} is missing`;
    const size = (await stat(path)).size;
    if (size !== expected.size) return `${name} has ${size} bytes, ${expected.size} were written`;
    if ((await sha256(path)) !== expected.sha256) return `${name} does not match its sha256`;
  }
  return undefined;
}
