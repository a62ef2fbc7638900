import { Worker } from 'node:worker_threads';
import { BackboneError, type Completion, type SampleRequest } from '@ajet/spec';
import type { TransformerConfig } from '../model-folder.ts';
import type { TokenizerData } from '../tokenizer.ts';

const WORKER_URL = new URL('./sampler-worker.mjs', import.meta.url);

/** The weights of one generation, copied once into shared memory: every thread samples from the same copy. */
export interface WeightsSnapshot {
  /** Changes whenever the weights do (an update, a load, a write); a thread that sees a new one drops its cache. */
  generation: number;
  buffer: SharedArrayBuffer;
}

/** One completion to draw: what `sampleCompletion` reads besides the model. */
export interface SamplerJob {
  id: number;
  promptIds: readonly number[];
  sampling: SampleRequest['sampling'];
  seed: number;
  weights: WeightsSnapshot;
}

export type SamplerReply =
  | { id: number; completion: Completion }
  | { id: number; error: { message: string; code?: string } };

interface Pending {
  resolve: (completion: Completion) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Pending>;
  /** Token sequences whose states the thread probably cached (prompts, prompt + completion), newest last. */
  recent: (readonly number[])[];
  generation: number;
  /** Why the thread last stopped, from its 'error' event. */
  failure?: string;
}

/** Sequences remembered per thread for routing (its cache may hold fewer; routing only affects speed). */
const RECENT = 64;
/** A queued job costs about this many tokens of work: longer shared prefixes than that win over a shorter queue. */
const QUEUED_JOB_TOKENS = 64;
/** A thread's heap: a runaway one stops (and is replaced) rather than taking the process's memory. */
const THREAD_HEAP_MB = 512;

function sharedPrefix(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a[index] === b[index]) index++;
  return index;
}

/**
 * Worker threads that draw the embedded policy's completions, so several episodes sample at once on several
 * cores. A completion depends only on its prompt, sampling settings, seed and weights snapshot, never on the thread
 * or on what else runs, so any thread count gives the same tokens and logprobs. Each job goes to the thread that
 * probably holds its prompt's state (the group's other completions, the episode's earlier turns) unless that
 * thread's queue is longer. A thread that dies (a crash, its heap limit) fails only the jobs it held, and is
 * replaced by a new one at the next job.
 */
export class SamplerPool {
  private readonly slots: Slot[];
  private readonly workerData: { config: TransformerConfig; tokenizer: TokenizerData; prefixBudgetBytes: number };
  private nextId = 0;
  private closing = false;
  /** Threads replaced after they stopped. */
  restarts = 0;

  constructor(options: {
    config: TransformerConfig;
    tokenizer: TokenizerData;
    threads: number;
    prefixBudgetBytes: number;
  }) {
    const { threads } = options;
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`sampleThreads ${threads}: expected a whole number of at least 1 for a sampler pool`);
    this.workerData = {
      config: options.config,
      tokenizer: options.tokenizer,
      prefixBudgetBytes: options.prefixBudgetBytes,
    };
    this.slots = Array.from({ length: threads }, () => {
      const slot: Slot = { worker: undefined, pending: new Map(), recent: [], generation: -1 };
      slot.worker = this.startWorker(slot);
      return slot;
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Jobs sent to slot `index`'s thread and not yet answered. */
  jobsOn(index: number): number {
    return this.slots[index]?.pending.size ?? 0;
  }

  /** The thread of slot `index` (for tests that stop one). */
  threadOf(index: number): Worker | undefined {
    return this.slots[index]?.worker;
  }

  private startWorker(slot: Slot): Worker {
    const worker = new Worker(WORKER_URL, {
      workerData: this.workerData,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    // Only a thread with jobs keeps the process alive.
    worker.unref();
    worker.on('message', (reply: SamplerReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (slot.pending.size === 0) worker.unref();
      if ('completion' in reply) pending.resolve(reply.completion);
      else
        pending.reject(
          new BackboneError(`tinylm sampling failed: ${reply.error.message}`, {
            code: reply.error.code ?? 'TINYLM_SAMPLE_FAILED',
          }),
        );
    });
    worker.on('error', (error) => {
      slot.failure = error.message;
    });
    worker.on('exit', (code) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.recent = [];
      slot.generation = -1;
      if (this.closing) return;
      this.restarts += 1;
      const error = new BackboneError(
        `a tinylm sampling thread stopped (exit code ${code}${slot.failure ? `: ${slot.failure}` : ''}); its episodes fail, a new thread takes the next ones`,
        {
          code: 'TINYLM_THREAD_FAILED',
          retryable: true,
          hint: 'Set debug.sample_threads: 0 to sample on the calling thread.',
        },
      );
      slot.failure = undefined;
      const pending = [...slot.pending.values()];
      slot.pending.clear();
      for (const job of pending) job.reject(error);
    });
    return worker;
  }

  /** The slot with the least work ahead of this prompt: queued jobs, less the prompt tokens it probably cached. */
  private route(promptIds: readonly number[], generation: number): Slot {
    let best = this.slots[0] as Slot;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) {
      let cached = 0;
      if (slot.generation === generation)
        for (const sequence of slot.recent) cached = Math.max(cached, sharedPrefix(sequence, promptIds));
      const cost = slot.pending.size * QUEUED_JOB_TOKENS - cached;
      if (cost < bestCost) {
        best = slot;
        bestCost = cost;
      }
    }
    return best;
  }

  private remember(slot: Slot, sequence: readonly number[]): void {
    slot.recent.push(sequence);
    if (slot.recent.length > RECENT) slot.recent.shift();
  }

  /** Draws one completion on some thread with the weights of `weights`. */
  sample(options: Omit<SamplerJob, 'id'>): Promise<Completion> {
    if (this.closing) return Promise.reject(new Error('the tinylm sampler pool is closed'));
    const { promptIds, weights } = options;
    const slot = this.route(promptIds, weights.generation);
    if (slot.generation !== weights.generation) {
      slot.recent = [];
      slot.generation = weights.generation;
    }
    slot.worker ??= this.startWorker(slot);
    const worker = slot.worker;
    const id = this.nextId++;
    const job: SamplerJob = { id, ...options, promptIds: [...promptIds] };
    this.remember(slot, job.promptIds);
    return new Promise<Completion>((resolve, reject) => {
      slot.pending.set(id, {
        resolve: (completion) => {
          if (slot.generation === weights.generation) this.remember(slot, [...job.promptIds, ...completion.tokenIds]);
          resolve(completion);
        },
        reject,
      });
      worker.ref();
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const stopped = new BackboneError('the tinylm sampler pool closed during sampling', { code: 'TINYLM_CLOSED' });
    for (const slot of this.slots) {
      for (const job of slot.pending.values()) job.reject(stopped);
      slot.pending.clear();
    }
    await Promise.all(this.slots.map((slot) => slot.worker?.terminate()));
  }
}
