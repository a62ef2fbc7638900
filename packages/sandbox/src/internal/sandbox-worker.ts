import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { INSTALL_HINT, SandboxError } from '../sandbox-error.ts';
import type { PythonResult, SandboxLimits } from '../sandbox-limits.ts';

const replySchema = z.strictObject({
  id: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  returncode: z.number().int(),
  error_kind: z.enum(['timeout', 'cpu_limit', 'memory_limit', 'output_limit', 'crashed']).nullable(),
});

/** The line after the reply: the worker has cleaned up, and says whether it can take another call. */
const doneSchema = z.strictObject({ id: z.string(), done: z.literal(true), recycle: z.boolean() });

/**
 * How one call on a worker ended. After a `reply`, `reusable` resolves once the worker has cleaned up: true when
 * it may take the next call; false when it was killed (it asked to be recycled or broke the protocol).
 */
export type WorkerOutcome =
  | { type: 'reply'; result: PythonResult; reusable: Promise<boolean> }
  | { type: 'died' }
  | { type: 'aborted' }
  | { type: 'violation'; reason: string };

type LineEvent = { type: 'line'; line: string } | { type: 'died' } | { type: 'violation'; reason: string };

interface Waiter {
  capBytes: number;
  settle: (event: LineEvent) => void;
}

const VERSION_HINT =
  'The sandbox needs bubblewrap 0.8 or newer (for --disable-userns, which keeps snippets out of new user namespaces); upgrade it, e.g. from your distribution backports.';

/** The ready and done lines are short; anything longer is not a worker. */
const SHORT_LINE_CAP_BYTES = 1024;

/** Cleaning up after a call: reaping strays (at most 1 s) and emptying up to 2048 entries of /tmp. */
const CLEANUP_TIMEOUT_MS = 5000;

/**
 * The longest reply line a worker may send for a call with `limits`: stdout and stderr together hold at most
 * `outputBytes`, and JSON's `\uXXXX` escape writes one byte as at most 6 characters; the rest is the envelope.
 */
export function replyCapBytes(limits: SandboxLimits): number {
  return 6 * limits.outputBytes + 64 * 1024;
}

/**
 * One long-lived sandboxed Python process answering one request at a time. Its stdout is read with a bound: a
 * line past the cap, a second line, a reply to another request or output while no call runs is a protocol
 * violation, and the worker is killed.
 */
export class SandboxWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** The lines this worker may send next, in order; output beyond them is a protocol violation. */
  private expected: Waiter[] = [];
  private exited = false;
  private stopped = false;
  private stderrTail = '';

  private constructor(argv: string[]) {
    const [command, ...args] = argv;
    this.child = spawn(command ?? 'bwrap', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    this.child.stdin.on('error', () => {});
    this.child.on('error', () => this.markExited());
    // 'close', not 'exit': a worker that exits after its last lines has them read first.
    this.child.on('close', () => this.markExited());
  }

  static async start(argv: string[], startTimeoutMs: number): Promise<SandboxWorker> {
    const worker = new SandboxWorker(argv);
    const spawnError = new Promise<Error>((resolve) => worker.child.once('error', resolve));
    const event = await Promise.race([worker.expectLine(SHORT_LINE_CAP_BYTES, startTimeoutMs), spawnError]);
    if (event instanceof Error || event.type !== 'line' || !event.line.includes('"ready"')) {
      worker.kill();
      const reason = event instanceof Error ? event.message : worker.stderrTail.trim() || 'no ready line';
      throw new SandboxError(`Python sandbox could not start (${argv[0]}: ${reason.split('\n')[0]}).`, {
        code: 'SANDBOX_UNAVAILABLE',
        hint: reason.includes('--disable-userns') ? VERSION_HINT : INSTALL_HINT,
        cause: event instanceof Error ? event : undefined,
      });
    }
    return worker;
  }

  get alive(): boolean {
    return !this.exited && !this.stopped;
  }

  /** Runs one snippet. A worker that dies, misses `deadlineMs` or is aborted through `signal` is killed. */
  async run(options: {
    code: string;
    limits: SandboxLimits;
    deadlineMs: number;
    signal?: AbortSignal | undefined;
  }): Promise<WorkerOutcome> {
    const { code, limits, deadlineMs, signal } = options;
    if (signal?.aborted) return { type: 'aborted' };
    const onAbort = () => this.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await this.exchange(code, limits, deadlineMs);
      return signal?.aborted ? { type: 'aborted' } : outcome;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async exchange(code: string, limits: SandboxLimits, deadlineMs: number): Promise<WorkerOutcome> {
    const id = randomUUID();
    const request = {
      id,
      code,
      limits: {
        wall_ms: limits.wallMs,
        cpu_seconds: limits.cpuSeconds,
        memory_bytes: limits.memoryBytes,
        output_bytes: limits.outputBytes,
        file_size_bytes: limits.fileSizeBytes,
        processes: limits.processes,
      },
    };
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    // Both lines are expected from now on, so a done line arriving in the reply's chunk finds its waiter.
    const replyLine = this.expectLine(replyCapBytes(limits), deadlineMs);
    const doneLine = this.expectLine(SHORT_LINE_CAP_BYTES, deadlineMs + CLEANUP_TIMEOUT_MS);
    const event = await replyLine;
    if (event.type !== 'line') {
      this.kill();
      return event;
    }
    const parsed = replySchema.safeParse(safeJson(event.line));
    if (!parsed.success) return this.violate('a reply that is not the reply JSON');
    const reply = parsed.data;
    if (reply.id !== id) return this.violate('a reply to another request');
    return {
      type: 'reply',
      result: { stdout: reply.stdout, stderr: reply.stderr, returncode: reply.returncode, errorKind: reply.error_kind },
      reusable: doneLine.then((done) => this.reusableAfter(done, id)),
    };
  }

  private reusableAfter(event: LineEvent, id: string): boolean {
    if (event.type !== 'line') {
      this.kill();
      return false;
    }
    const parsed = doneSchema.safeParse(safeJson(event.line));
    if (!parsed.success || parsed.data.id !== id) {
      this.violate('a second line that is not the done JSON of its request');
      return false;
    }
    if (parsed.data.recycle) this.kill();
    return this.alive;
  }

  kill(): void {
    this.stopped = true;
    if (!this.exited) this.child.kill('SIGKILL');
    this.settleAll({ type: 'died' });
  }

  /**
   * Queues a waiter for the next line not yet expected; it resolves with that line, or `died` when the worker
   * exits or `timeoutMs` passes first (which kills the worker).
   */
  private expectLine(capBytes: number, timeoutMs: number): Promise<LineEvent> {
    if (!this.alive) return Promise.resolve({ type: 'died' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.kill(), timeoutMs);
      this.expected.push({
        capBytes,
        settle: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    while (this.alive && start < chunk.length) {
      const waiter = this.expected[0];
      if (waiter === undefined) {
        this.violate('output while no call was running');
        return;
      }
      const newline = chunk.indexOf(0x0a, start);
      if (this.chunkBytes + (newline < 0 ? chunk.length : newline) - start > waiter.capBytes) {
        this.violate(`a reply line past ${waiter.capBytes} bytes`);
        return;
      }
      if (newline < 0) {
        this.chunks.push(chunk.subarray(start));
        this.chunkBytes += chunk.length - start;
        return;
      }
      const line = Buffer.concat([...this.chunks, chunk.subarray(start, newline)]).toString('utf8');
      this.chunks = [];
      this.chunkBytes = 0;
      this.expected.shift();
      waiter.settle({ type: 'line', line });
      start = newline + 1;
    }
  }

  private violate(reason: string): { type: 'violation'; reason: string } {
    const event = { type: 'violation' as const, reason };
    this.settleAll(event);
    this.kill();
    return event;
  }

  private settleAll(event: LineEvent): void {
    const waiters = this.expected;
    this.expected = [];
    this.chunks = [];
    this.chunkBytes = 0;
    for (const waiter of waiters) waiter.settle(event);
  }

  private markExited(): void {
    this.exited = true;
    this.settleAll({ type: 'died' });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
