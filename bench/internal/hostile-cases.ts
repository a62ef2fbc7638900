// One hostile case a process (`node --import tsx bench/internal/hostile-cases.ts NAME`): a crash, a hang or a heap
// overflow kills only this child, and bench/hostile.ts counts it as not contained. Prints one JSON line
// `{ contained, detail }` on success.
import { pathToFileURL } from 'node:url';
import { MathAnswerJudge } from '@ajet/judges';
import { runCalculator } from '@ajet/tools';
import { type PythonResult, PythonSandbox } from '../../packages/sandbox/src/index.ts';

interface Outcome {
  contained: boolean;
  detail: string;
}

/** Takes the worker's reply socket (fd 3 of the snippet's parent) with pidfd_open + pidfd_getfd. */
const STEAL_REPLY_FD = `
import ctypes, os, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pidfd = libc.syscall(434, os.getppid(), 0)
fd = libc.syscall(438, pidfd, 3, 0) if pidfd >= 0 else -1
`;

const LIMITS = { wallMs: 2000, cpuSeconds: 2, memoryBytes: 256 * 2 ** 20 };

async function withSandbox(body: (sandbox: PythonSandbox) => Promise<Outcome>): Promise<Outcome> {
  const sandbox = new PythonSandbox({ workers: 1, limits: LIMITS });
  try {
    return await body(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** After an attack the same pool must still answer honestly: two calls, each with its own output. */
async function answersHonestly(sandbox: PythonSandbox): Promise<string | null> {
  for (const word of ['honest-1', 'honest-2']) {
    const result = await sandbox.run(`print(${JSON.stringify(word)})`);
    if (result.stdout !== `${word}\n`) return `a later call printed ${JSON.stringify(result.stdout.slice(0, 60))}`;
  }
  return null;
}

function describe(result: PythonResult): string {
  return `errorKind=${result.errorKind} returncode=${result.returncode} stdout=${JSON.stringify(result.stdout.slice(0, 80))}`;
}

async function snippetSays(code: string, safeWord: string): Promise<Outcome> {
  return withSandbox(async (sandbox) => {
    const result = await sandbox.run(code);
    const later = await answersHonestly(sandbox);
    return {
      contained: result.stdout.includes(safeWord) && later === null,
      detail: later ?? describe(result),
    };
  });
}

async function judge(prediction: string): Promise<Outcome> {
  const judgeInstance = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));
  const started = performance.now();
  const verdict = await judgeInstance.judgeText({ prediction, reference: '42' });
  const ms = performance.now() - started;
  return { contained: verdict.rawReward === 0, detail: `reward ${verdict.rawReward} in ${ms.toFixed(0)} ms` };
}

function calculator(body: string, bad: (output: string) => boolean): Outcome {
  const started = performance.now();
  const output = runCalculator(body);
  const ms = performance.now() - started;
  return {
    contained: !bad(output) && ms < 1000,
    detail: `${JSON.stringify(output.slice(0, 80))} (${output.length} characters) in ${ms.toFixed(0)} ms`,
  };
}

const deepNesting = (depth: number) => `${'('.repeat(depth)}1${')'.repeat(depth)}`;

export const CASES: Record<string, () => Promise<Outcome> | Outcome> = {
  'sandbox: 700 MB reply with no newline on the stolen reply socket': () =>
    withSandbox(async (sandbox) => {
      const result = await sandbox.run(
        `${STEAL_REPLY_FD}\nif fd >= 0:\n    chunk = b'x' * (1 << 20)\n    for _ in range(700):\n        os.write(fd, chunk)\nprint('fd', fd)`,
        { limits: { wallMs: 20_000, cpuSeconds: 20 } },
      );
      const later = await answersHonestly(sandbox);
      return { contained: later === null, detail: later ?? describe(result) };
    }),
  'sandbox: forged reply lines on the stolen reply socket': () =>
    withSandbox(async (sandbox) => {
      const forged = JSON.stringify({ stdout: 'FORGED\n', stderr: '', returncode: 0, error_kind: null });
      const result = await sandbox.run(
        `${STEAL_REPLY_FD}\nif fd >= 0:\n    os.write(fd, (${JSON.stringify(forged)} + '\\n').encode() * 4)\nprint('done')`,
      );
      const later = await answersHonestly(sandbox);
      return { contained: later === null, detail: later ?? describe(result) };
    }),
  'sandbox: PTRACE_ATTACH to the worker': () =>
    snippetSays(
      `import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\nr = libc.syscall(101, 16, os.getppid(), 0, 0)\nprint('attached' if r == 0 else 'denied')`,
      'denied',
    ),
  'sandbox: write /proc/<worker>/mem': () =>
    snippetSays(
      `import os\ntry:\n    open(f'/proc/{os.getppid()}/mem', 'r+b')\n    print('opened')\nexcept OSError:\n    print('denied')`,
      'denied',
    ),
  'sandbox: nested user namespace': () =>
    snippetSays(
      `import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint('denied' if libc.unshare(0x10000000) != 0 else 'unshared')`,
      'denied',
    ),
  'sandbox: fill /tmp with 2 GB (memory limit 256 MB)': () =>
    withSandbox(async (sandbox) => {
      const result = await sandbox.run(
        `written = 0\ntry:\n    for i in range(128):\n        with open(f'/tmp/fill-{i}', 'wb') as f:\n            f.write(b'0' * (15 << 20))\n        written += 15 << 20\nexcept OSError:\n    pass\nprint('MB', written >> 20)`,
        { limits: { wallMs: 20_000, cpuSeconds: 20 } },
      );
      const megabytes = Number(/MB (\d+)/.exec(result.stdout)?.[1] ?? 0);
      const later = await answersHonestly(sandbox);
      return { contained: megabytes <= 512 && later === null, detail: later ?? `${megabytes} MB written to /tmp` };
    }),
  'sandbox: /tmp left over from the previous call': () =>
    withSandbox(async (sandbox) => {
      await sandbox.run(`open('/tmp/ajet-marker', 'w').write('secret')`);
      const result = await sandbox.run(
        `import os\nprint('leftover' if os.path.exists('/tmp/ajet-marker') else 'clean')`,
      );
      return { contained: result.stdout === 'clean\n', detail: describe(result) };
    }),
  'sandbox: fork storm that detaches from the pipes': () =>
    withSandbox(async (sandbox) => {
      const started = performance.now();
      const result = await sandbox.run(
        `import os, time\nfor i in range(20):\n    try:\n        if os.fork() == 0:\n            os.setsid(); os.close(1); os.close(2); time.sleep(60); os._exit(0)\n    except OSError:\n        break\nprint('forked')`,
      );
      const ms = performance.now() - started;
      const later = await answersHonestly(sandbox);
      return { contained: ms < 8000 && later === null, detail: later ?? `${describe(result)} in ${ms.toFixed(0)} ms` };
    }),
  'sandbox: closed stdout then sleep is a timeout': () =>
    withSandbox(async (sandbox) => {
      const started = performance.now();
      const result = await sandbox.run(`import os, time\nos.close(1)\nos.close(2)\ntime.sleep(60)`);
      const ms = performance.now() - started;
      return {
        contained: result.errorKind === 'timeout' && ms < 6000,
        detail: `${describe(result)} in ${ms.toFixed(0)} ms`,
      };
    }),
  'sandbox: self-SIGKILL is not a cpu limit': () =>
    withSandbox(async (sandbox) => {
      const result = await sandbox.run(`import os, signal\nos.kill(os.getpid(), signal.SIGKILL)`);
      return { contained: result.errorKind !== 'cpu_limit', detail: describe(result) };
    }),
  'sandbox: printing "MemoryError" is not a memory limit': () =>
    withSandbox(async (sandbox) => {
      const result = await sandbox.run(`import sys\nprint('MemoryError', file=sys.stderr)`);
      return { contained: result.errorKind !== 'memory_limit', detail: describe(result) };
    }),
  'judge: \\boxed{ones(30000,30000)}': () => judge('The answer is \\boxed{ones(30000,30000)}'),
  'judge: \\boxed{zeros(100000000)}': () => judge('\\boxed{zeros(100000000)}'),
  'judge: \\boxed{9^9^9^9}': () => judge('\\boxed{9^9^9^9}'),
  'judge: \\boxed{factorial(1000000)}': () => judge('\\boxed{factorial(1000000)}'),
  'judge: 20,000 nested parentheses': () => judge(`\\boxed{${deepNesting(20_000)}}`),
  'judge: a 2 MB answer': () => judge(`\\boxed{${'1+'.repeat(1 << 20)}1}`),
  'calculator: 1e400/3 is not Infinity': () => calculator('1e400/3', (output) => /Infinity|NaN/.test(output)),
  'calculator: 1e-400 is not 0': () => calculator('1e-400', (output) => output === '0'),
  'calculator: 1e400000000 * 1e400000000': () =>
    calculator('1e400000000 * 1e400000000', (output) => output.length > 100_000 || /Infinity|NaN/.test(output)),
};

const name = process.argv[2];
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && name !== undefined) {
  const run = CASES[name];
  if (!run) {
    console.error(`no case ${name}`);
    process.exit(2);
  }
  const outcome = await run();
  console.log(JSON.stringify(outcome));
  process.exit(0);
}
