import { PythonSandbox, type PythonSandboxOptions } from '@ajet/sandbox';
import type { PluginContext, Tool, ToolContext } from '@ajet/spec';
import { z } from 'zod';

const parameters = z.object({ code: z.string().describe('Python 3 source; print what you want to see') });

const settingsSchema = z
  .object({
    workers: z.number().int().min(1).max(64).default(2),
    timeout_ms: z.number().int().min(100).default(10_000),
    cpu_seconds: z.number().int().min(1).default(10),
    memory_mb: z.number().int().min(32).default(512),
    output_bytes: z
      .number()
      .int()
      .min(1024)
      .default(1024 * 1024),
    file_size_mb: z.number().int().min(1).default(16),
    /** Each worker's /tmp, a tmpfs emptied after every call (not part of memory_mb). */
    tmp_mb: z.number().int().min(1).default(64),
    python_path: z.string().default('/usr/bin/python3'),
  })
  .strict();

export type ExecutePythonCodeSettings = z.input<typeof settingsSchema>;

/** Runs model-written Python in the bubblewrap sandbox; returns the JSON of stdout, stderr, return code. */
export class ExecutePythonCode implements Tool<typeof parameters> {
  static readonly settings = settingsSchema;
  readonly name = 'execute_python_code';
  readonly description = 'Runs Python 3 code in a sandbox (no network, no files outside /tmp) and returns its output.';
  readonly parameters = parameters;
  readonly sandbox: PythonSandbox;

  constructor(settings: ExecutePythonCodeSettings = {}, _context?: PluginContext) {
    const resolved = settingsSchema.parse(settings);
    const options: PythonSandboxOptions = {
      workers: resolved.workers,
      pythonPath: resolved.python_path,
      tmpBytes: resolved.tmp_mb * 1024 * 1024,
      limits: {
        wallMs: resolved.timeout_ms,
        cpuSeconds: resolved.cpu_seconds,
        memoryBytes: resolved.memory_mb * 1024 * 1024,
        outputBytes: resolved.output_bytes,
        fileSizeBytes: resolved.file_size_mb * 1024 * 1024,
      },
    };
    this.sandbox = new PythonSandbox(options);
  }

  async execute(args: z.output<typeof parameters>, context: ToolContext): Promise<string> {
    const result = await this.sandbox.run(args.code, context.signal ? { signal: context.signal } : {});
    return JSON.stringify({
      stdout: result.stdout,
      stderr: result.stderr,
      returncode: result.returncode,
      ...(result.errorKind ? { error_kind: result.errorKind } : {}),
    });
  }

  close(): Promise<void> {
    return this.sandbox.close();
  }
}
