import { SandboxWorker } from './internal/sandbox-worker.ts';
import { WORKER_SOURCE } from './internal/worker-source.ts';
import { sandboxCommand } from './sandbox-command.ts';
import { DEFAULT_LIMITS, type PythonResult, type SandboxLimits } from './sandbox-limits.ts';

export interface PythonSandboxOptions {
  /** Long-lived workers; calls beyond this many wait in a queue. Default 2. */
  workers?: number;
  limits?: Partial<SandboxLimits>;
  /** Default `/usr/bin/python3` (the PATH one may be a slow shim or outside /usr). */
  pythonPath?: string;
  bwrapPath?: string;
  startTimeoutMs?: number;
}

/** Grace beyond the wall-clock limit before the worker itself is presumed stuck and killed. */
const WORKER_GRACE_MS = 2000;

/**
 * A pool of sandboxed Python workers. Each call forks a fresh child inside a worker; a worker that misses its
 * deadline or dies is killed and replaced, and that call returns `errorKind: 'worker_died'` or `'timeout'`.
 */
export class PythonSandbox {
  private readonly limits: SandboxLimits;
  private readonly argv: string[];
  private readonly size: number;
  private readonly startTimeoutMs: number;
  private readonly idle: SandboxWorker[] = [];
  private readonly waiting: Array<{ resolve: (worker: SandboxWorker) => void; reject: (error: unknown) => void }> = [];
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
    });
  }

  /** Starts the workers; throws SandboxError (`SANDBOX_UNAVAILABLE`, with the apt line) when it cannot. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const workers = await Promise.all(Array.from({ length: this.size }, () => this.spawnWorker()));
      for (const worker of workers) this.release(worker);
    })();
    return this.starting;
  }

  /** Runs one snippet. Aborting `signal` (the episode ended) kills the worker running it and replaces it. */
  async run(
    code: string,
    options: { limits?: Partial<SandboxLimits>; signal?: AbortSignal } = {},
  ): Promise<PythonResult> {
    await this.start();
    const limits = { ...this.limits, ...options.limits };
    const worker = await this.acquire();
    const result = await worker.run({
      code,
      limits,
      deadlineMs: limits.wallMs + WORKER_GRACE_MS,
      signal: options.signal,
    });
    if (result !== null && worker.alive) {
      this.release(worker);
      return result;
    }
    this.all.delete(worker);
    worker.kill();
    this.replaceWorker();
    if (options.signal?.aborted) {
      return { stdout: '', stderr: 'The call was aborted.', returncode: -9, errorKind: 'aborted' };
    }
    return {
      stdout: '',
      stderr: 'The sandbox worker stopped answering and was replaced.',
      returncode: -9,
      errorKind: 'worker_died',
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const worker of this.all) worker.kill();
    this.all.clear();
    this.idle.length = 0;
  }

  private async spawnWorker(): Promise<SandboxWorker> {
    const worker = await SandboxWorker.start(this.argv, this.startTimeoutMs);
    if (this.closed) worker.kill();
    else this.all.add(worker);
    return worker;
  }

  private replaceWorker(): void {
    if (this.closed) return;
    this.spawnWorker().then(
      (worker) => this.release(worker),
      (error: unknown) => {
        // Without a replacement the queued calls would wait forever; fail them instead.
        this.failure = error;
        if (this.all.size > 0) return;
        for (const waiter of this.waiting.splice(0)) waiter.reject(error);
      },
    );
  }

  private acquire(): Promise<SandboxWorker> {
    const worker = this.idle.pop();
    if (worker) return Promise.resolve(worker);
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
