import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { backendErrorCodes } from '@ajet/backbone-kit';
import { AjetError, type Backbone } from '@ajet/spec';
import { z } from 'zod';
import type { AjetConfig } from '../config/schema.ts';
import { checkpointDamage, fsyncPath, sealCheckpoint } from './checkpoint-manifest.ts';
import { type CheckpointState, configFingerprint, readCheckpointState, readStateFile } from './checkpoint-state.ts';
import { removeFolder, writeFileAtomic } from './experiment-files.ts';

/** `backend.json`: where a checkpoint's weights and optimizer state are. */
const backendRecordSchema = z.discriminatedUnion('store', [
  /** In the checkpoint folder itself (an in-process backbone). */
  z.object({ store: z.literal('local'), folder: z.string().min(1) }),
  /** On the backend's machine, under its --state-root, by name; `path` is where that was there. */
  z.object({ store: z.literal('server'), server: z.string(), name: z.string().min(1), path: z.string() }),
]);
type BackendRecord = z.output<typeof backendRecordSchema>;

export interface ResumePoint {
  checkpointDir: string;
  state: CheckpointState;
}

export interface CheckpointsOptions {
  experimentDir: string;
  config: AjetConfig;
  backbone?: Backbone;
  warn: (message: string) => void;
}

/** A server's answer that a saved state failed its manifest check (the same code from every server). */
function isStateDamage(error: unknown): boolean {
  const cause = error instanceof AjetError && error.cause ? error.cause : error;
  return cause instanceof AjetError && cause.code === backendErrorCodes.STATE_DAMAGED;
}

/** A new run's identity: sortable by start time, unique enough for one experiment folder. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function stepNumbers(names: readonly string[]): number[] {
  return names
    .map((name) => /^step-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => b - a);
}

/** A name a state root accepts: letters, digits, `.`, `_`, `-`. */
function namePart(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '');
  return cleaned.length > 0 ? cleaned.slice(0, 100) : 'experiment';
}

/**
 * The experiment's checkpoints: `checkpoints/step-N/` with `state.json` (step, epoch, seed, run id, config
 * fingerprint), `backend.json` (where the weights are: `model/` beside it, or a name under a gRPC backend's own
 * state root) and `manifest.json` (size and sha256 of every file, written after everything is flushed to disk).
 * Pruning keeps `max_checkpoints` of this run; resuming takes the newest whole checkpoint and says when it skips a
 * damaged one.
 */
export class Checkpoints {
  private readonly options: CheckpointsOptions;
  private runId: string = newRunId();
  /** `--resume` (not `--resume-from`): a checkpoint whose state the backend finds damaged gives way to an older one. */
  private resumingLatest = false;

  constructor(options: CheckpointsOptions) {
    this.options = options;
  }

  private get folder(): string {
    return join(this.options.experimentDir, 'checkpoints');
  }

  /** The run these checkpoints belong to: new, or the resumed checkpoint's. */
  get run(): string {
    return this.runId;
  }

  async save(options: { step: number; epoch: number }): Promise<string> {
    const { backbone, config } = this.options;
    if (!backbone) {
      throw new AjetError('Nothing to checkpoint: this run has no trainable backbone.', {
        code: 'NO_BACKBONE',
        blame: 'system',
      });
    }
    const { step, epoch } = options;
    await mkdir(this.folder, { recursive: true });
    const final = join(this.folder, `step-${step}`);
    const temporary = join(this.folder, `.step-${step}.incomplete`);
    await removeFolder(temporary);
    await mkdir(temporary);
    let backend: BackendRecord;
    if (backbone.stateStore === 'server') {
      // The backend may be on another machine: it saves under its own state root and says where.
      const name = `${namePart(basename(this.options.experimentDir))}/${this.runId}/step-${step}`;
      const saved = await backbone.saveState({
        path: name,
        includeOptimizer: true,
        remove: await this.serverPrunes(step),
      });
      backend = { store: 'server', server: saved.server ?? '', name, path: saved.path };
    } else {
      await backbone.saveState({ path: join(temporary, 'model'), includeOptimizer: true });
      backend = { store: 'local', folder: 'model' };
    }
    await writeFileAtomic(join(temporary, 'backend.json'), `${JSON.stringify(backend, null, 2)}\n`);
    const state: CheckpointState = {
      step,
      epoch,
      seed: config.seed,
      fingerprint: configFingerprint(config),
      time: Date.now(),
      runId: this.runId,
    };
    await writeFileAtomic(join(temporary, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
    await sealCheckpoint(temporary);
    await removeFolder(final);
    await rename(temporary, final);
    await fsyncPath(this.folder);
    await this.prune();
    return final;
  }

  /** This run's checkpoint steps, newest first; other runs' are not this run's to delete. */
  private async ownSteps(): Promise<number[]> {
    const ours: number[] = [];
    for (const step of stepNumbers(await readdir(this.folder))) {
      const runId = await readStateFile(join(this.folder, `step-${step}`)).then(
        (state) => state.runId,
        () => undefined,
      );
      if (runId === this.runId) ours.push(step);
    }
    return ours;
  }

  /** The server-side names of this run's checkpoints that saving `step` will prune, for the server to delete. */
  private async serverPrunes(step: number): Promise<string[]> {
    const keep = this.options.config.trainerCommon.maxCheckpoints - 1;
    const doomed = (await this.ownSteps()).filter((own) => own !== step).slice(Math.max(0, keep));
    const records = await Promise.all(
      doomed.map((own) => this.backendRecord(join(this.folder, `step-${own}`)).catch(() => undefined)),
    );
    return records.flatMap((record) => (record?.store === 'server' ? [record.name] : []));
  }

  /** Deletes this run's checkpoints past the newest `max_checkpoints`. */
  private async prune(): Promise<void> {
    for (const old of (await this.ownSteps()).slice(this.options.config.trainerCommon.maxCheckpoints)) {
      await removeFolder(join(this.folder, `step-${old}`));
    }
  }

  /**
   * The checkpoint to resume from, checked before anything starts: `latest` is the newest whole checkpoint of
   * the experiment (a damaged newer one is skipped, with a warning naming it); a folder must be whole.
   */
  async locate(resumeFrom: string | undefined): Promise<ResumePoint | undefined> {
    if (!resumeFrom) return undefined;
    this.resumingLatest = resumeFrom === 'latest';
    const checkpointDir = resumeFrom === 'latest' ? await this.newestWhole() : resumeFrom;
    if (resumeFrom !== 'latest') {
      const damage = await checkpointDamage(checkpointDir);
      if (damage) {
        throw new AjetError(`Checkpoint ${checkpointDir} is damaged: ${damage}.`, {
          code: 'CHECKPOINT_DAMAGED',
          blame: 'system',
          hint: 'Pass an older checkpoints/step-N folder, or --resume to take the newest whole one.',
        });
      }
    }
    const state = await readCheckpointState({ checkpointDir, config: this.options.config });
    if (state.runId) this.runId = state.runId;
    return { checkpointDir, state };
  }

  /** The newest whole checkpoint below step `below` (all when absent); `damaged` starts the warning. */
  private async newestWhole(options: { below?: number; damaged?: string[] } = {}): Promise<string> {
    const damaged = [...(options.damaged ?? [])];
    const below = options.below ?? Number.POSITIVE_INFINITY;
    const steps = existsSync(this.folder) ? stepNumbers(await readdir(this.folder)).filter((step) => step < below) : [];
    for (const step of steps) {
      const candidate = join(this.folder, `step-${step}`);
      const damage = await checkpointDamage(candidate);
      if (!damage) {
        if (damaged.length > 0)
          this.options.warn(`${damaged.join('; ')}: resuming from step-${step}, the newest whole checkpoint`);
        return candidate;
      }
      damaged.push(`checkpoint step-${step} is damaged (${damage})`);
    }
    throw new AjetError(
      `No whole checkpoint in ${this.folder} to resume from${damaged.length > 0 ? ` (${damaged.join('; ')})` : ''}.`,
      {
        code: 'NO_CHECKPOINT',
        blame: 'user',
        hint: 'Start the run again with --overwrite instead of --resume, or pass --resume-from DIR.',
      },
    );
  }

  /**
   * Loads the checkpoint's weights and optimizer into the backbone, from wherever backend.json says they are, and
   * returns the checkpoint loaded: with `--resume`, when the server finds a state damaged, the newest older one.
   */
  async restore(point: ResumePoint): Promise<ResumePoint> {
    let current = point;
    for (;;) {
      try {
        await this.load(current);
        return current;
      } catch (error) {
        if (!this.resumingLatest || !isStateDamage(error)) throw error;
        const why = `checkpoint step-${current.state.step}'s state on the backend is damaged (${(error as Error).message})`;
        const older = await this.newestWhole({ below: current.state.step, damaged: [why] });
        current = {
          checkpointDir: older,
          state: await readCheckpointState({ checkpointDir: older, config: this.options.config }),
        };
      }
    }
  }

  private async load(point: ResumePoint): Promise<void> {
    const { backbone } = this.options;
    if (!backbone) return;
    const record = await this.backendRecord(point.checkpointDir);
    const here = backbone.stateStore === 'server' ? 'server' : 'local';
    if (record.store !== here) {
      throw new AjetError(
        record.store === 'server'
          ? `Checkpoint ${point.checkpointDir} has its weights on the backend ${record.server} (${record.path}), but this run's backbone is in process.`
          : `Checkpoint ${point.checkpointDir} has its weights here (${record.folder}/), but this run's backend is a gRPC server, which reads only its own state root.`,
        {
          code: 'CHECKPOINT_ELSEWHERE',
          blame: 'user',
          hint:
            record.store === 'server'
              ? 'Resume with --backbone grpc against that server (same --state-root).'
              : 'Resume with --backbone debug, or start `ajet serve --model <that model folder>` and train from it fresh.',
        },
      );
    }
    if (record.store === 'local') {
      await backbone.loadState({ path: join(point.checkpointDir, record.folder), includeOptimizer: true });
      return;
    }
    try {
      await backbone.loadState({ path: record.name, includeOptimizer: true });
    } catch (error) {
      throw new AjetError(
        `The backend could not load checkpoint ${basename(point.checkpointDir)} (state ${record.name}, saved at ${record.path} on ${record.server}): ${(error as Error).message}`,
        {
          code: 'CHECKPOINT_LOAD_FAILED',
          blame: 'system',
          hint: 'Start the server with the --state-root it had when the checkpoint was written.',
          cause: error,
        },
      );
    }
  }

  private async backendRecord(checkpointDir: string): Promise<BackendRecord> {
    const file = join(checkpointDir, 'backend.json');
    // Checkpoints from before backend.json kept the weights in model/.
    if (!existsSync(file)) return { store: 'local', folder: 'model' };
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new AjetError(`Cannot read ${file}: ${(error as Error).message}`, {
        code: 'CHECKPOINT_UNREADABLE',
        blame: 'system',
        cause: error,
      });
    }
    const parsed = backendRecordSchema.safeParse(raw);
    if (!parsed.success) {
      throw new AjetError(`${file} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
        code: 'CHECKPOINT_INVALID',
        blame: 'system',
      });
    }
    return parsed.data;
  }
}
