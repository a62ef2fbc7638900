import { constants } from 'node:fs';
import { type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AjetError } from '@ajet/spec';

function unsafe(message: string, hint: string): AjetError {
  return new AjetError(message, { code: 'HUB_UNSAFE_PATH', blame: 'system', hint });
}

/** Why a listed repository path cannot be a file under the destination, or undefined when it can. */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'it is empty';
  if (path.length > 4096) return 'it is longer than 4096 characters';
  if (/[\0\\]/.test(path)) return 'it holds a NUL byte or a backslash';
  if (path.startsWith('/')) return 'it is absolute';
  const bad = path.split('/').find((part) => part === '' || part === '.' || part === '..');
  if (bad !== undefined) return `it has a "${bad}" segment`;
  return undefined;
}

function isInside(root: string, candidate: string): boolean {
  const rest = relative(root, candidate);
  return rest !== '' && !rest.startsWith(`..${sep}`) && rest !== '..' && !isAbsolute(rest);
}

/** `destination/<path>` for a listed repository path, refusing any path that would name a file outside it. */
export function targetUnder(destination: string, path: string): string {
  const root = resolve(destination);
  const reason = unsafePathReason(path);
  const target = resolve(root, ...path.split('/'));
  if (reason !== undefined || !isInside(root, target)) {
    throw unsafe(
      `The hub listed the path ${JSON.stringify(path.slice(0, 200))}, which is not a file inside ${root}${reason ? ` (${reason})` : ''}.`,
      'Nothing was written for it. Check HF_ENDPOINT: the hub never lists such paths.',
    );
  }
  return target;
}

/**
 * Creates the folders between the destination and the target one at a time, refusing a folder that is a symlink
 * (which would lead the file outside the destination); the destination itself may be one.
 */
export async function makeFoldersUnder(destination: string, target: string): Promise<void> {
  const root = resolve(destination);
  await mkdir(root, { recursive: true });
  let folder = root;
  for (const part of relative(root, dirname(target)).split(sep).filter(Boolean)) {
    folder = join(folder, part);
    const stats = await lstat(folder).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stats === undefined) await mkdir(folder);
    else if (!stats.isDirectory()) {
      throw unsafe(
        `${folder} is ${stats.isSymbolicLink() ? 'a symlink' : 'not a folder'}; ajet download writes only into real folders under ${root}.`,
        'Remove it or download into another --path.',
      );
    }
  }
}

/** Size of a regular file, undefined when nothing is there; a symlink or other non-file there is refused. */
export async function regularFileSize(path: string): Promise<number | undefined> {
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) return undefined;
  if (!stats.isFile()) {
    throw unsafe(
      `${path} is ${stats.isSymbolicLink() ? 'a symlink' : 'not a regular file'}; ajet download does not write through it.`,
      'Remove it and run the command again.',
    );
  }
  return stats.size;
}

/** Opens a `.part` file for writing without following a symlink planted at its name. */
export async function openPart(path: string, append: boolean): Promise<FileHandle> {
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (append ? constants.O_APPEND : constants.O_TRUNC);
  try {
    return await open(path, flags, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw unsafe(`${path} is a symlink; ajet download does not write through it.`, 'Remove it and run again.');
    }
    throw error;
  }
}
