import { SandboxWorker, type WorkerOutcome } from './internal/sandbox-worker.ts';
import { WORKER_SOURCE } from './internal/worker-source.ts';
import { sandboxCommand } from './sandbox-command.ts';
import { SandboxError } from './sandbox-error.ts';
import { DEFAULT_LIMITS, DEFAULT_TMP_BYTES, type PythonResult, type SandboxLimits } from './sandbox-limits.ts';

export interface PythonSandboxOptions {
  /** Long-lived workers; calls beyond this many wait in a queue. Default 2. */
  workers?: number;
  limits?: Partial<SandboxLimits>;
  /** Size of each worker's /tmp, a tmpfs emptied after every call; not part of `memoryBytes`. Default 64 MiB. */
  tmpBytes?: number;
  /** Default `/usr/bin/python3` (the PATH one may be a slow shim or outside /usr). */
  pythonPath?: string;
  bwrapPath?: string;
  startTimeoutMs?: number;
}

/** Grace beyond the wall-clock limit before the worker itself is presumed stuck and killed. */
const WORKER_GRACE_MS = 2000;

interface Waiting {
  resolve: (worker: SandboxWorker) => void;
  reject: (error: unknown) => void;
}

/**
 * A pool of sandboxed Python workers. Each call forks a fresh child inside a worker; a worker that misses its
 * deadline, dies or breaks the reply protocol is killed and replaced, and that call returns `errorKind`
 * `worker_died` or `protocol_violation`.
 */
export class PythonSandbox {
  private readonly limits: SandboxLimits;
  private readonly argv: string[];
  private readonly size: number;
  private readonly startTimeoutMs: number;
  private readonly idle: SandboxWorker[] = [];
  private readonly waiting: Waiting[] = [];
  private failure: unknown = null;
  private readonly all = new Set<SandboxWorker>();
  private starting: Promise<void> | null = null;
  private closed = false;

  constructor(options: PythonSandboxOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.size = Math.max(1, options.workers ?? 2);
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.argv = sandboxCommand({
      pythonPath: options.pythonPath ?? '/usr/bin/python3',
      bwrapPath: options.bwrapPath ?? 'bwrap',
      script: WORKER_SOURCE,
      tmpBytes: options.tmpBytes ?? DEFAULT_TMP_BYTES,
    });
  }

  /** Starts the workers; throws SandboxError (`SANDBOX_UNAVAILABLE`, with the apt line) when it cannot. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.starting ??= (async () => {
      const workers = await Promise.all(Array.from({ length: this.size }, () => this.spawnWorker()));
      for (const worker of workers) this.release(worker);
    })();
    return this.starting;
  }

  /**
   * Runs one snippet. Aborting `signal` (the episode ended) kills the worker running it and replaces it. Rejects
   * with SandboxError `SANDBOX_CLOSED` once `close()` was called.
   */
  async run(
    code: string,
    options: { limits?: Partial<SandboxLimits>; signal?: AbortSignal } = {},
  ): Promise<PythonResult> {
    await this.start();
    const limits = { ...this.limits, ...options.limits };
    const worker = await this.acquire();
    const outcome = await worker.run({
      code,
      limits,
      deadlineMs: limits.wallMs + WORKER_GRACE_MS,
      signal: options.signal,
    });
    if (outcome.type === 'reply') {
      // The worker cleans up after its reply; it takes the next call only once it says it is clean.
      void outcome.reusable.then((reusable) => (reusable ? this.release(worker) : this.retire(worker)));
      return outcome.result;
    }
    this.retire(worker);
    return this.closed ? failed('aborted', 'The sandbox was closed.') : result(outcome);
  }

  /** Kills every worker; calls waiting for one reject, and so does every later `run()`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const worker of this.all) worker.kill();
    this.all.clear();
    this.idle.length = 0;
    for (const waiter of this.waiting.splice(0)) waiter.reject(closedError());
  }

  private async spawnWorker(): Promise<SandboxWorker> {
    const worker = await SandboxWorker.start(this.argv, this.startTimeoutMs);
    if (this.closed) worker.kill();
    else this.all.add(worker);
    return worker;
  }

  /** Kills `worker` and starts its replacement. */
  private retire(worker: SandboxWorker): void {
    this.all.delete(worker);
    worker.kill();
    if (this.closed) return;
    this.spawnWorker().then(
      (replacement) => this.release(replacement),
      (error: unknown) => {
        // Without a replacement the queued calls would wait forever; fail them instead.
        this.failure = error;
        if (this.all.size > 0) return;
        for (const waiter of this.waiting.splice(0)) waiter.reject(error);
      },
    );
  }

  private acquire(): Promise<SandboxWorker> {
    if (this.closed) return Promise.reject(closedError());
    for (let worker = this.idle.pop(); worker; worker = this.idle.pop()) {
      if (worker.alive) return Promise.resolve(worker);
      this.retire(worker);
    }
    if (this.failure !== null && this.all.size === 0) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(worker: SandboxWorker): void {
    if (this.closed) {
      worker.kill();
      return;
    }
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }
}

function result(outcome: Exclude<WorkerOutcome, { type: 'reply' }>): PythonResult {
  switch (outcome.type) {
    case 'aborted':
      return failed('aborted', 'The call was aborted.');
    case 'died':
      return failed('worker_died', 'The sandbox worker stopped answering and was replaced.');
    case 'violation':
      return failed(
        'protocol_violation',
        `The sandbox worker broke its reply protocol (${outcome.reason}) and was replaced.`,
      );
  }
}

function failed(errorKind: PythonResult['errorKind'], stderr: string): PythonResult {
  return { stdout: '', stderr, returncode: -9, errorKind };
}

function closedError(): SandboxError {
  return new SandboxError('This PythonSandbox was closed; run() after close() cannot run.', {
    code: 'SANDBOX_CLOSED',
    hint: 'Create a new PythonSandbox, or close it only after its last run().',
  });
}
