import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { z } from 'zod';
import { INSTALL_HINT, SandboxError } from '../sandbox-error.ts';
import type { PythonResult, SandboxLimits } from '../sandbox-limits.ts';

const replySchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  returncode: z.number().int(),
  error_kind: z.enum(['timeout', 'cpu_limit', 'memory_limit', 'output_limit', 'crashed']).nullable(),
});

interface Pending {
  resolve: (line: string | null) => void;
}

/** One long-lived sandboxed Python process answering one request at a time. */
export class SandboxWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queued: string[] = [];
  private pending: Pending | null = null;
  private exited = false;
  private stderrTail = '';

  private constructor(argv: string[]) {
    const [command, ...args] = argv;
    this.child = spawn(command ?? 'bwrap', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.deliver(line));
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    this.child.stdin.on('error', () => {});
    this.child.on('error', () => this.markExited());
    this.child.on('exit', () => this.markExited());
  }

  static async start(argv: string[], startTimeoutMs: number): Promise<SandboxWorker> {
    const worker = new SandboxWorker(argv);
    const spawnError = new Promise<Error>((resolve) => worker.child.once('error', resolve));
    const line = await Promise.race([worker.nextLine(startTimeoutMs), spawnError]);
    if (line instanceof Error || line === null || !line.includes('"ready"')) {
      worker.kill();
      const reason = line instanceof Error ? line.message : worker.stderrTail.trim() || 'no ready line';
      throw new SandboxError(`Python sandbox could not start (${argv[0]}: ${reason.split('\n')[0]}).`, {
        code: 'SANDBOX_UNAVAILABLE',
        hint: INSTALL_HINT,
        cause: line instanceof Error ? line : undefined,
      });
    }
    return worker;
  }

  get alive(): boolean {
    return !this.exited;
  }

  /**
   * Runs one snippet; resolves null when the worker died, missed `deadlineMs` or was killed because `signal`
   * aborted (the caller replaces it).
   */
  async run(options: {
    code: string;
    limits: SandboxLimits;
    deadlineMs: number;
    signal?: AbortSignal | undefined;
  }): Promise<PythonResult | null> {
    const { code, limits, deadlineMs, signal } = options;
    if (signal?.aborted) return null;
    const onAbort = () => this.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.exchange(code, limits, deadlineMs);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async exchange(code: string, limits: SandboxLimits, deadlineMs: number): Promise<PythonResult | null> {
    const request = {
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
    const line = await this.nextLine(deadlineMs);
    if (line === null) return null;
    const parsed = replySchema.safeParse(safeJson(line));
    if (!parsed.success) return null;
    const reply = parsed.data;
    return { stdout: reply.stdout, stderr: reply.stderr, returncode: reply.returncode, errorKind: reply.error_kind };
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
    this.lines.close();
  }

  private nextLine(timeoutMs: number): Promise<string | null> {
    const queued = this.queued.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending = null;
        resolve(null);
      }, timeoutMs);
      this.pending = {
        resolve: (line) => {
          clearTimeout(timer);
          this.pending = null;
          resolve(line);
        },
      };
    });
  }

  private deliver(line: string): void {
    if (this.pending) this.pending.resolve(line);
    else this.queued.push(line);
  }

  private markExited(): void {
    this.exited = true;
    this.pending?.resolve(null);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
