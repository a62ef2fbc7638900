import { access, constants, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AjetError } from '@ajet/spec';

/** What runs write into an experiment folder; `--overwrite` removes these and nothing else. */
const RUN_FILES = ['config.yaml', 'eval-config.yaml', 'metrics.jsonl', 'swanlab.json', 'report.html', 'eval.json'];
const RUN_FOLDERS = ['trajectories', 'checkpoints', 'tensorboard'];
const RUN_ORDER = [...RUN_FILES, ...RUN_FOLDERS];
/** A config file alone is what a run that failed before its first rollout leaves: not a run to protect. */
const CONFIG_ONLY = new Set(['config.yaml', 'eval-config.yaml']);

/** Fails before any rollout when the experiment folder cannot be written. */
async function checkWritable(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
    const probe = join(folder, `.write-test-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe);
  } catch (error) {
    throw new AjetError(`Cannot write the experiment folder ${folder}: ${(error as Error).message}`, {
      code: 'EXPERIMENT_DIR_UNWRITABLE',
      blame: 'user',
      hint: 'Pick a writable place with --experiment-dir or ajet.experiment_dir, or free some disk space.',
      cause: error,
    });
  }
}

/**
 * Makes the experiment folder ready for a run. A training run that does not resume is refused a folder that holds
 * an earlier run's results (its checkpoints and metrics would mix with this run's), unless `overwrite`, which
 * deletes what runs write there first. Other files in the folder are never touched.
 */
export async function prepareExperimentDir(options: {
  folder: string;
  mode: 'train' | 'eval';
  resuming: boolean;
  overwrite: boolean;
}): Promise<void> {
  const { folder } = options;
  await checkWritable(folder);
  if (options.mode !== 'train' || options.resuming) return;
  // By name and kind: a file named like a run's folder (or the reverse) is the user's, not a run's.
  const entries = await readdir(folder, { withFileTypes: true });
  const earlier = entries
    .filter((entry) => (entry.isDirectory() ? RUN_FOLDERS : RUN_FILES).includes(entry.name))
    .map((entry) => entry.name)
    .sort((a, b) => RUN_ORDER.indexOf(a) - RUN_ORDER.indexOf(b));
  if (earlier.every((name) => CONFIG_ONLY.has(name))) return;
  if (!options.overwrite) {
    throw new AjetError(`The experiment folder ${folder} holds an earlier run (${earlier.join(', ')}).`, {
      code: 'EXPERIMENT_DIR_NOT_EMPTY',
      blame: 'user',
      hint: 'Continue that run with --resume, replace it with --overwrite, or start a new one with --set experiment_name=NAME.',
    });
  }
  for (const name of earlier) await rm(join(folder, name), { recursive: true, force: true });
}
