import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TrainingSample } from '@ajet/spec';
import type { TransformerConfig } from '@ajet/tinylm';

const SCRIPT = fileURLToPath(new URL('./pretrain_torch.py', import.meta.url));
/** The backend's virtual environment has PyTorch's CPU build (backend/scripts/setup_venv.sh). */
export const TORCH_PYTHON =
  process.env.AJET_BACKEND_PYTHON || fileURLToPath(new URL('../../backend/.venv/bin/python', import.meta.url));

export interface TorchTrainerOptions {
  config: TransformerConfig;
  params: Float32Array;
  samples: readonly TrainingSample[];
  /** Where the data, initial and trained parameters go. */
  workDir: string;
  seed: number;
  batchSize: number;
  lr: number;
  threads: number;
  /** Training targets are (1 - this)·one-hot + this·uniform over the vocabulary (default 0); `lossOf` stays plain. */
  labelSmoothing?: number;
  /** Sort this many batches' samples by length at a time and train them as batches of similar length (default 0: off). */
  bucketBatches?: number;
}

/** What a training interval did: its last step, loss (a running mean), learning rate and tokens. */
export interface TrainReport {
  step: number;
  loss: number;
  lr: number;
  /** Tokens whose loss counted. */
  tokens: number;
  /** Batch size × the batch's longest sequence, summed over the interval's batches: what the forward passes held. */
  positions: number;
  /** The batches' sequences' own tokens; 1 - sequence_tokens / positions is the share that was padding. */
  sequence_tokens: number;
}

/**
 * Trains tinylm's weights with PyTorch (scripts/internal/pretrain_torch.py, the same model, loss and AdamW) in a
 * child process, one interval at a time, so the caller can evaluate with the TypeScript model in between.
 */
export class TorchTrainer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly waiting: ((line: string | null) => void)[] = [];
  private stderrTail = '';
  readonly outFile: string;

  private constructor(options: TorchTrainerOptions) {
    const dataFile = join(options.workDir, 'torch-data.json');
    const paramsFile = join(options.workDir, 'torch-initial.bin');
    this.outFile = join(options.workDir, 'torch-params.bin');
    const samples = options.samples.map((sample) => ({ tokenIds: sample.tokenIds, lossMask: sample.lossMask }));
    writeFileSync(dataFile, JSON.stringify({ config: options.config, samples }));
    writeFileSync(paramsFile, options.params);
    const args = [
      SCRIPT,
      ...['--data', dataFile, '--params', paramsFile, '--out', this.outFile],
      ...['--seed', String(options.seed), '--batch-size', String(options.batchSize), '--lr', String(options.lr)],
      ...['--threads', String(options.threads), '--label-smoothing', String(options.labelSmoothing ?? 0)],
      ...['--bucket-batches', String(options.bucketBatches ?? 0)],
    ];
    // Idle OpenMP threads sleep instead of spinning: on a shared 2-core machine spinning made a 2-thread run 4x
    // slower than 1 thread (measured 15.4 s vs 3.8 s for the same 40 steps); the user's own setting wins.
    const env = { OMP_WAIT_POLICY: 'PASSIVE', ...process.env };
    this.child = spawn(TORCH_PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.waiting.shift()?.(line));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.child.on('exit', () => {
      for (const resolve of this.waiting.splice(0)) resolve(null);
    });
  }

  static async start(options: TorchTrainerOptions): Promise<TorchTrainer> {
    const trainer = new TorchTrainer(options);
    await trainer.reply<{ ready: boolean }>();
    return trainer;
  }

  /**
   * Trains for `seconds` while the cosine learning-rate schedule moves through `progress` (fractions of the whole
   * run); the parameters are then in `params()`.
   */
  train(seconds: number, progress: [number, number]): Promise<TrainReport> {
    return this.request({ train_s: seconds, progress });
  }

  /**
   * Trains until step `untilStep` of a cosine schedule `scheduleSteps` long: no clock in it, so a seeded run stops
   * at the same weights on any machine with the same PyTorch build.
   */
  trainSteps(untilStep: number, scheduleSteps: number): Promise<TrainReport> {
    return this.request({ until_step: untilStep, schedule_steps: scheduleSteps });
  }

  /** The token-mean cross-entropy of the given samples (by index) at the current parameters. */
  async lossOf(indices: readonly number[]): Promise<number> {
    return (await this.request<{ loss: number }>({ loss_of: indices })).loss;
  }

  /** The parameters written by the last `train`, in tinylm's flat layout. */
  params(): Float32Array {
    const bytes = readFileSync(this.outFile);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end(`${JSON.stringify({ exit: true })}\n`);
    await exited;
  }

  private request<T>(command: object): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    return this.reply<T>();
  }

  private async reply<T>(): Promise<T> {
    const line = await new Promise<string | null>((resolve) => {
      if (this.child.exitCode !== null) resolve(null);
      else this.waiting.push(resolve);
    });
    if (line === null) {
      throw new Error(
        `the PyTorch trainer (${TORCH_PYTHON} ${SCRIPT}) exited: ${this.stderrTail.trim().split('\n').at(-1) ?? 'no output'}` +
          ' (hint: `bash backend/scripts/setup_venv.sh` creates its virtual environment)',
      );
    }
    return JSON.parse(line) as T;
  }
}
