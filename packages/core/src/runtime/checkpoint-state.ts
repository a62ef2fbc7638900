import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AjetError, ConfigError } from '@ajet/spec';
import { z } from 'zod';
import type { AjetConfig } from '../config/schema.ts';

/** Config keys whose change makes a resumed run a different run. */
const FINGERPRINT_KEYS = {
  'ajet.model.path': (config: AjetConfig) => config.model.path,
  'ajet.task_reader': (config: AjetConfig) => ({ type: config.taskReader.type, settings: config.taskReader.settings }),
  'ajet.data.train_batch_size': (config: AjetConfig) => config.data.trainBatchSize,
  'ajet.data.shuffle': (config: AjetConfig) => config.data.shuffle,
  'ajet.rollout.num_repeat': (config: AjetConfig) => config.rollout.numRepeat,
  'ajet.seed': (config: AjetConfig) => config.seed,
} as const;

export const checkpointStateSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  seed: z.number().int(),
  fingerprint: z.record(z.string(), z.string()),
  time: z.number(),
});

export type CheckpointState = z.output<typeof checkpointStateSchema>;

export function configFingerprint(config: AjetConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(FINGERPRINT_KEYS).map(([key, read]) => [key, JSON.stringify(read(config))]));
}

/** The newest complete checkpoint (`checkpoints/step-N/` with a state.json) of an experiment, if any. */
export async function findLatestCheckpoint(experimentDir: string): Promise<string | undefined> {
  const folder = join(experimentDir, 'checkpoints');
  if (!existsSync(folder)) return undefined;
  const steps = (await readdir(folder))
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => b - a);
  for (const step of steps) {
    const candidate = join(folder, `step-${step}`);
    if (existsSync(join(candidate, 'state.json'))) return candidate;
  }
  return undefined;
}

/** Reads a checkpoint's state.json and refuses it when a key that matters changed since. */
export async function readCheckpointState(options: {
  checkpointDir: string;
  config: AjetConfig;
}): Promise<CheckpointState> {
  const file = join(options.checkpointDir, 'state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new AjetError(`Cannot read checkpoint state ${file}: ${(error as Error).message}`, {
      code: 'CHECKPOINT_UNREADABLE',
      blame: 'user',
      hint: 'Point --resume-from at a checkpoints/step-N folder that a run wrote.',
      cause: error,
    });
  }
  const parsed = checkpointStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AjetError(`Checkpoint state ${file} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
      code: 'CHECKPOINT_INVALID',
      blame: 'user',
    });
  }
  const current = configFingerprint(options.config);
  for (const [key, value] of Object.entries(parsed.data.fingerprint)) {
    if (current[key] !== undefined && current[key] !== value) {
      throw new ConfigError(`changed since the checkpoint was written (${value} then, ${current[key]} now)`, {
        code: 'RESUME_CONFIG_CHANGED',
        keyPath: key,
        hint: `Resuming would not continue the same run; restore ${key} or start a new experiment.`,
      });
    }
  }
  return parsed.data;
}
