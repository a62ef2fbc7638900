import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AJET_BIN = fileURLToPath(new URL('../../packages/cli/bin/ajet.js', import.meta.url));

export interface AjetRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs the real `ajet` binary in a child process. */
export function runAjet(args: readonly string[], options: RunOptions = {}): Promise<AjetRun> {
  return runNode([AJET_BIN, ...args], options);
}

/** Runs this Node with `args` (a script and its arguments) in a child process, collecting its output. */
export function runNode(args: readonly string[], options: RunOptions = {}): Promise<AjetRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface AjetServe {
  child: ChildProcess;
  address: string;
  /** Everything the server wrote to stderr so far, and how it exited once it has. */
  stderr: () => string;
}

/** Starts `ajet serve --model MODEL --port 0 ...args` and resolves with the address it prints. */
export function startAjetServe(model: string, args: readonly string[] = []): Promise<AjetServe> {
  // Checkpoints a test trains go to a temporary state root, not the repository's ./ajet_backend_state.
  const stateRoot = args.includes('--state-root') ? [] : ['--state-root', mkdtempSync(join(tmpdir(), 'ajet-serve-'))];
  const child = spawn(process.execPath, [AJET_BIN, 'serve', '--model', model, '--port', '0', ...stateRoot, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.on('exit', (code, signal) => {
    stderr += `\n[ajet serve exited: code ${code}, signal ${signal}]`;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ajet serve did not start within 60 s: ${stderr}`)), 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /ajet serve: \S+ on (\S+)/.exec(stderr);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, address: match[1], stderr: () => stderr });
      }
    });
  });
}
