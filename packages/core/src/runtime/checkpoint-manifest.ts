import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { folderDamage, fsyncPath, sealFolder } from '@ajet/backbone-kit';

export { fsyncPath };

export const MANIFEST_FILE = 'manifest.json';

/**
 * Writes `manifest.json` (size and sha256 of every file in the checkpoint folder) and flushes every file and
 * folder to disk, so that after a crash a checkpoint is either whole or detectably not.
 */
export function sealCheckpoint(folder: string): Promise<void> {
  return sealFolder({ folder, manifest: MANIFEST_FILE });
}

/**
 * Why a checkpoint folder is not whole, or undefined when every file its manifest lists has the size and sha256
 * written there. A checkpoint from before manifests (none there) is taken as whole if it has a state.json.
 */
export async function checkpointDamage(folder: string): Promise<string | undefined> {
  if (!existsSync(join(folder, MANIFEST_FILE)))
    return existsSync(join(folder, 'state.json')) ? undefined : 'state.json is missing';
  return folderDamage({ folder, manifest: MANIFEST_FILE });
}
