import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareExperimentDir } from './experiment-folder.ts';

function folderWith(names: string[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-folder-'));
  for (const name of names) {
    if (name.endsWith('/')) mkdirSync(join(folder, name));
    else writeFileSync(join(folder, name), 'x');
  }
  return folder;
}

const fresh = { mode: 'train', resuming: false, overwrite: false } as const;

describe('prepareExperimentDir', () => {
  it('refuses a folder holding a run’s results to a fresh training run, naming them and the flags', async () => {
    const folder = folderWith(['config.yaml', 'metrics.jsonl', 'checkpoints/']);
    await expect(prepareExperimentDir({ folder, ...fresh })).rejects.toMatchObject({
      code: 'EXPERIMENT_DIR_NOT_EMPTY',
      message: expect.stringContaining(
        `The experiment folder ${folder} holds an earlier run (config.yaml, metrics.jsonl, checkpoints).`,
      ),
      hint: expect.stringContaining('--resume'),
    });
    // Resuming and evaluating use the run that is there.
    await prepareExperimentDir({ folder, ...fresh, resuming: true });
    await prepareExperimentDir({ folder, ...fresh, mode: 'eval' });
  });

  it('reuses a folder with only the config of a run that failed before its first step', async () => {
    await prepareExperimentDir({ folder: folderWith(['config.yaml']), ...fresh });
  });

  it('takes a file named like a run folder for the user’s own, not a run’s', async () => {
    await prepareExperimentDir({ folder: folderWith(['tensorboard', 'trajectories']), ...fresh });
    await expect(prepareExperimentDir({ folder: folderWith(['tensorboard/']), ...fresh })).rejects.toMatchObject({
      code: 'EXPERIMENT_DIR_NOT_EMPTY',
    });
  });

  it('--overwrite deletes what runs write and leaves every other file', async () => {
    const folder = folderWith(['metrics.jsonl', 'trajectories/', 'checkpoints/', 'notes.txt']);
    await prepareExperimentDir({ folder, ...fresh, overwrite: true });
    expect(readdirSync(folder)).toEqual(['notes.txt']);
  });
});
