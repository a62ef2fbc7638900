import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { backendErrorCodes, stateNameHint } from '@ajet/backbone-kit';
import { BackboneError } from '@ajet/spec';

const namePart = /^[A-Za-z0-9._-]+$/;

function refuse(name: string, why: string): BackboneError {
  return new BackboneError(`state name ${JSON.stringify(name.slice(0, 200))} ${why}`, {
    code: backendErrorCodes.STATE_NAME_INVALID,
    hint: stateNameHint,
  });
}

/**
 * The folder a SaveState/LoadState name means: `<root>/<name>`, where the name is relative, made of `/`-separated
 * parts of letters, digits, `.`, `_` and `-`, none `.` or `..`. A client never picks a path outside the root, and a
 * symlink inside the root cannot lead out of it either.
 */
export async function stateFolder(options: { root: string; name: string }): Promise<string> {
  const { root, name } = options;
  if (name.length === 0) throw refuse(name, 'is empty');
  if (name.length > 512) throw refuse(name, 'is longer than 512 characters');
  if (isAbsolute(name) || name.startsWith('/')) throw refuse(name, 'is absolute');
  const parts = name.split('/');
  for (const part of parts) {
    if (part === '.' || part === '..') throw refuse(name, 'has a "." or ".." part');
    if (!namePart.test(part))
      throw refuse(name, 'has a part that is empty or holds characters other than A-Z a-z 0-9 . _ -');
  }
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const folder = join(realRoot, ...parts);
  // The deepest existing ancestor, resolved, must still be inside the root.
  let existing = folder;
  for (;;) {
    try {
      existing = await realpath(existing);
      break;
    } catch {
      existing = join(existing, '..');
    }
  }
  const inside = relative(realRoot, existing);
  if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside))
    throw refuse(name, 'leads out of the state root');
  return folder;
}
