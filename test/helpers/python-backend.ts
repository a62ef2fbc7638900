import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './run-ajet.ts';

/**
 * The Python backend (backend/, `python -m ajet_backend serve`) for end-to-end tests. Environment overrides, for
 * backend/scripts/gpu_smoke.sh: AJET_BACKEND_PYTHON (an interpreter with ajet_backend installed; default
 * backend/.venv/bin/python), AJET_BACKEND_MODEL (a model folder; default a tiny random-weight model built here),
 * AJET_BACKEND_DTYPE (default fp32).
 */
export const BACKEND_PYTHON = process.env.AJET_BACKEND_PYTHON || join(REPO_ROOT, 'backend/.venv/bin/python');

/** Why the Python backend tests cannot run here, or undefined when they can. */
export const pythonBackendMissing = existsSync(BACKEND_PYTHON)
  ? undefined
  : `${BACKEND_PYTHON} does not exist: run \`bash backend/scripts/setup_venv.sh\` (or \`pnpm test:backend\`) to create backend/.venv`;

const OFFLINE = { HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' };

/**
 * AJET_BACKEND_MODEL, or a random-weight Qwen2 (hidden 64, 2 layers, Qwen3 tokenizer) made from a config in a
 * temporary folder that `dispose` removes (about 50 MB).
 */
export async function tinyModelFolder(): Promise<{ folder: string; dispose: () => Promise<void> }> {
  const given = process.env.AJET_BACKEND_MODEL;
  if (given) return { folder: given, dispose: async () => {} };
  const parent = mkdtempSync(join(tmpdir(), 'ajet-tiny-qwen-'));
  const folder = join(parent, 'model');
  await promisify(execFile)(
    BACKEND_PYTHON,
    [join(REPO_ROOT, 'backend/scripts/make_tiny_model.py'), folder, '--hidden', '64', '--layers', '2'],
    { env: { ...process.env, ...OFFLINE }, timeout: 120_000 },
  );
  return { folder, dispose: () => rm(parent, { recursive: true, force: true }) };
}

/** Runs Python code (with `json` imported) in backend/ with the backend's interpreter; resolves to its stdout. */
export async function pythonSays(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(BACKEND_PYTHON, ['-c', `import json\n${code}`], {
    cwd: join(REPO_ROOT, 'backend'),
    env: { ...process.env, ...OFFLINE },
    timeout: 60_000,
  });
  return stdout;
}

export interface PythonBackend {
  /** host:port on loopback. */
  address: string;
  /** Its --state-root: where SaveState names go. */
  stateRoot: string;
  /** The Tinker API's base URL (http://127.0.0.1:PORT) when started with `tinker: true`. */
  tinkerUrl?: string;
  /** What the server printed so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

/** Starts `python -m ajet_backend serve` on a free loopback port and waits until it serves. */
export async function startPythonBackend(options: {
  model: string;
  maxModelLen: number;
  token?: string;
  /** Default: a new temporary folder. */
  stateRoot?: string;
  /** Also serve the Tinker HTTP API (`--tinker-port 0`). */
  tinker?: boolean;
  /** Extra flags for `serve`. */
  extraArgs?: string[];
}): Promise<PythonBackend> {
  const stateRoot = options.stateRoot ?? mkdtempSync(join(tmpdir(), 'ajet-python-states-'));
  const args = ['-u', '-m', 'ajet_backend', 'serve', '--model', options.model, '--host', '127.0.0.1', '--port', '0'];
  args.push('--state-root', stateRoot);
  args.push('--dtype', process.env.AJET_BACKEND_DTYPE || 'fp32', '--max-model-len', String(options.maxModelLen));
  if (options.token) args.push('--token', options.token);
  if (options.tinker) args.push('--tinker-port', '0');
  args.push(...(options.extraArgs ?? []));
  const child: ChildProcess = spawn(BACKEND_PYTHON, args, {
    cwd: join(REPO_ROOT, 'backend'),
    env: { ...process.env, ...OFFLINE },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let tinkerUrl: string | undefined;
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ajet_backend serve did not start within 120 s:\n${log}`));
    }, 120_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /ajet_backend: serving .* on port (\d+)/.exec(log);
      tinkerUrl = /ajet_backend: Tinker API on (http:\/\/\S+)/.exec(log)?.[1];
      if (match?.[1] && (!options.tinker || tinkerUrl)) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`ajet_backend serve exited with ${code} before serving:\n${log}`));
    });
  });
  return {
    address: `127.0.0.1:${port}`,
    stateRoot,
    ...(tinkerUrl ? { tinkerUrl } : {}),
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
