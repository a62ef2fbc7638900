import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_SOURCE } from './internal/worker-source.ts';
import { PythonSandbox } from './python-sandbox.ts';
import { sandboxCommand } from './sandbox-command.ts';
import { SandboxError } from './sandbox-error.ts';

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version']);
    return existsSync('/usr/bin/python3');
  } catch {
    return false;
  }
})();

/** Host processes whose command line contains `pattern` (read from /proc, so CI needs no procps). */
function countProcesses(pattern: string): number {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(pattern)) count += 1;
    } catch {
      // The process ended between listing and reading.
    }
  }
  return count;
}

/** Host pids of sandbox workers (their command line holds the worker program). */
function workerPids(): Set<number> {
  const pids = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const commandLine = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!commandLine.startsWith('/usr/bin/python3') || !commandLine.includes('kill_strays')) continue;
      // The worker itself, not the spare child it forked (which has the same command line).
      const parent = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1];
      if (!readFileSync(`/proc/${parent}/cmdline`, 'utf8').startsWith('/usr/bin/python3')) pids.add(Number(name));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return pids;
}

/** A snippet printing the processes it can see besides itself and its worker. */
const OTHER_PROCESSES =
  'import os\nprint(sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getppid(), os.getpid())))';

describe('PythonSandbox without bubblewrap', () => {
  it('refuses to start and names the apt packages, never running unsandboxed', async () => {
    const sandbox = new PythonSandbox({ workers: 1, bwrapPath: '/nonexistent/bwrap' });
    const error = await sandbox.run('print(1)').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('SANDBOX_UNAVAILABLE');
    expect((error as SandboxError).message).toContain('apt-get install python3 bubblewrap');
    await sandbox.close();
  });
});

describe('PythonSandbox with a bubblewrap older than 0.8', () => {
  it('refuses to start and says which version it needs', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-old-bwrap-'));
    chmodSync(folder, 0o755);
    const oldBwrap = join(folder, 'bwrap');
    writeFileSync(oldBwrap, '#!/bin/sh\necho "bwrap: Unknown option --disable-userns" >&2\nexit 1\n');
    chmodSync(oldBwrap, 0o755);
    const sandbox = new PythonSandbox({ workers: 1, bwrapPath: oldBwrap });
    const error = await sandbox.start().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as SandboxError).code).toBe('SANDBOX_UNAVAILABLE');
    expect((error as SandboxError).message).toMatch(/Unknown option --disable-userns.*bubblewrap 0\.8 or newer/);
    await sandbox.close();
  });
});

describe.skipIf(!existsSync('/usr/bin/python3'))('PythonSandbox with a worker that breaks the protocol', () => {
  it('a reply line past the cap is an errorKind, the run goes on, and the worker is replaced', async () => {
    // A stand-in for bwrap that runs a "worker" answering 64 MB with no newline (what a snippet holding the
    // reply pipe did to crash the whole run).
    const folder = mkdtempSync(join(tmpdir(), 'ajet-fake-bwrap-'));
    chmodSync(folder, 0o755);
    const fakeBwrap = join(folder, 'bwrap');
    writeFileSync(
      fakeBwrap,
      '#!/usr/bin/python3\nimport sys, time\nout = sys.stdout.buffer\nout.write(b\'{"ready": true}\\n\'); out.flush()\nfor line in sys.stdin:\n    out.write(b"x" * (64 << 20)); out.flush()\n',
    );
    chmodSync(fakeBwrap, 0o755);
    const own = new PythonSandbox({ workers: 1, bwrapPath: fakeBwrap, limits: { outputBytes: 4096 } });
    const started = workerCount(fakeBwrap);
    for (let call = 0; call < 2; call += 1) {
      const result = await own.run('print(1)');
      expect(result.errorKind).toBe('protocol_violation');
      expect(result.stderr).toMatch(/reply line past \d+ bytes.*replaced/);
    }
    await own.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(workerCount(fakeBwrap)).toBe(started);
  });
});

/** Processes running `path` (the fake bwrap's command line names it). */
function workerCount(path: string): number {
  return readdirSync('/proc').filter((name) => {
    try {
      return /^\d+$/.test(name) && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(path);
    } catch {
      return false;
    }
  }).length;
}

describe.skipIf(!hasBwrap)('PythonSandbox hostile snippets', () => {
  const sandbox = new PythonSandbox({
    workers: 2,
    limits: { wallMs: 3000, cpuSeconds: 2, memoryBytes: 256 * 1024 * 1024, outputBytes: 64 * 1024 },
  });
  beforeAll(() => sandbox.start());
  afterAll(() => sandbox.close());

  it('runs ordinary code and returns stdout, stderr, return code', async () => {
    const result = await sandbox.run('import sys\nprint(6*7)\nprint("warn", file=sys.stderr)\nsys.exit(3)');
    expect(result).toEqual({ stdout: '42\n', stderr: 'warn\n', returncode: 3, errorKind: null });
  });

  it('starts each snippet clean: fresh globals, only fds 0-2, empty stdin, UTF-8 output', async () => {
    // The spare child prepares its streams and warms the compiler before the request arrives; none of that
    // may show through to the snippet, nor may one call's state reach the next.
    const code = [
      'import os, sys',
      'print(sorted(k for k in globals() if not k.startswith("__")))',
      'print(sorted(int(fd) for fd in os.listdir("/proc/self/fd")))',
      'print(repr(sys.stdin.read()))',
      'print("héllo ✓")',
      'leaked = 1',
    ].join('\n');
    for (let call = 0; call < 3; call += 1) {
      const result = await sandbox.run(code);
      expect(result.stdout).toBe("['os', 'sys']\n[0, 1, 2, 3]\n''\nhéllo ✓\n");
    }
  });

  it('queues more concurrent calls than workers and answers each one', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, index) => sandbox.run(`print(${index} * 2)`)));
    expect(results.map((result) => result.stdout)).toEqual(Array.from({ length: 12 }, (_, index) => `${index * 2}\n`));
  });

  it('an aborted call kills its worker, returns errorKind aborted, and the pool goes on', async () => {
    const controller = new AbortController();
    const pending = sandbox.run('import time\ntime.sleep(30)', { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await pending;
    expect(result.errorKind).toBe('aborted');
    expect((await sandbox.run('print("next")')).stdout).toBe('next\n');
  });

  it('cannot read /etc/passwd or the project files', async () => {
    const passwd = await sandbox.run('print(open("/etc/passwd").read())');
    expect(passwd.returncode).toBe(1);
    expect(passwd.stderr).toContain('FileNotFoundError');
    const project = await sandbox.run(`import os\nprint(os.listdir(${JSON.stringify(process.cwd())}))`);
    expect(project.stderr).toContain('FileNotFoundError');
  });

  it('cannot write outside /tmp, can write inside', async () => {
    const usr = await sandbox.run('open("/usr/evil", "w").write("x")');
    expect(usr.stderr).toMatch(/PermissionError|OSError|Read-only/);
    const root = await sandbox.run('open("/evil", "w").write("x")');
    expect(root.stderr).toContain('Read-only file system');
    const tmp = await sandbox.run('open("/tmp/ok", "w").write("x"); print(open("/tmp/ok").read())');
    expect(tmp.stdout).toBe('x\n');
  });

  it('has no network, not even loopback', async () => {
    for (const address of ['127.0.0.1', '1.1.1.1']) {
      const result = await sandbox.run(
        `import socket\ns = socket.create_connection((${JSON.stringify(address)}, 80), timeout=1)\nprint("connected")`,
      );
      expect(result.stdout).not.toContain('connected');
      expect(result.stderr).toMatch(/OSError|unreachable|refused/i);
    }
  });

  it('os.system and subprocess run only inside the sandbox', async () => {
    const result = await sandbox.run(
      'import os, subprocess\nos.system("cat /etc/passwd")\nprint(subprocess.run(["ls", "/"], capture_output=True, text=True).stdout)',
    );
    expect(result.stdout).not.toContain('root:');
    expect(result.stdout).not.toMatch(/\bwork\b|\bhome\b|\betc\b/);
  });

  it('stops a fork bomb and leaves no process behind', async () => {
    const result = await sandbox.run(
      'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass',
    );
    expect(['timeout', 'cpu_limit']).toContain(result.errorKind);
    const after = await sandbox.run(OTHER_PROCESSES);
    expect(after.stdout).toBe('[]\n');
  });

  it('kills a busy loop at the CPU limit', async () => {
    const result = await sandbox.run('while True: pass');
    expect(['cpu_limit', 'timeout']).toContain(result.errorKind);
    expect(result.returncode).toBeLessThan(0);
  });

  it('refuses an 8 GB allocation', async () => {
    const result = await sandbox.run('x = bytearray(8 * 1024**3)\nprint("allocated")');
    expect(result.stdout).toBe('');
    expect(result.errorKind).toBe('memory_limit');
  });

  it('caps 100 MB of output', async () => {
    const result = await sandbox.run('import sys\nwhile True: sys.stdout.write("x" * 65536)');
    expect(result.errorKind).toBe('output_limit');
    expect(result.stdout.length).toBeLessThanOrEqual(64 * 1024);
  });

  it('contains a ctypes memory poke as a crash of that call only', async () => {
    const result = await sandbox.run('import ctypes\nctypes.string_at(0)');
    expect(result.errorKind).toBe('crashed');
    expect(result.returncode).toBe(-11);
    expect((await sandbox.run('print("alive")')).stdout).toBe('alive\n');
  });

  it('kills a sleep past the wall-clock limit', async () => {
    const started = Date.now();
    const result = await sandbox.run('import time\ntime.sleep(30)');
    expect(result.errorKind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(6000);
  });

  it('caps file size', async () => {
    const result = await sandbox.run('open("/tmp/big", "wb").write(b"x" * (64 * 1024 * 1024))');
    expect(result.stderr).toMatch(/File too large|OSError/);
  });

  it('a snippet cannot kill its worker; a worker killed from outside is replaced', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { wallMs: 1000 } });
    const before = workerPids();
    await own.start();
    const started = [...workerPids()].filter((pid) => !before.has(pid));
    expect(started).toHaveLength(1);
    const result = await own.run(
      'import os, signal\nfor target in {os.getppid(), 1}:\n    for sig in (signal.SIGSTOP, signal.SIGINT, signal.SIGTERM, signal.SIGKILL):\n        os.kill(target, sig)\nprint("still here")',
    );
    expect(result.stdout).toBe('still here\n');
    for (const pid of started) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await own.run('print(1)')).stdout).toBe('1\n');
    await own.close();
  });

  it('the worker refuses to run unless it is the first process of its own PID namespace', () => {
    // Run it one level down inside a namespace, so a broken guard could only harm the throwaway namespace.
    const argv = sandboxCommand({ pythonPath: '/usr/bin/sh', bwrapPath: 'bwrap', script: '', tmpBytes: 1 << 20 });
    const shellArgv = argv.slice(0, argv.indexOf('/usr/bin/sh') + 1);
    const result = spawnSync(shellArgv[0] ?? 'bwrap', [
      ...shellArgv.slice(1),
      '-c',
      '/usr/bin/python3 -I -c "$0"; echo "exit $?"',
      WORKER_SOURCE,
    ]);
    expect(result.stdout.toString()).toBe('exit 70\n');
    expect(result.stderr.toString()).toContain('refuses to run outside its own PID namespace');
  });

  it('leaves no sandbox process behind after close', async () => {
    const before = countProcesses('kill_strays');
    const own = new PythonSandbox({ workers: 2, limits: { wallMs: 1000 } });
    await own.run('import subprocess\nsubprocess.Popen(["sleep", "61.25"], start_new_session=True)');
    expect(countProcesses('kill_strays')).toBeGreaterThan(before);
    await own.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(countProcesses('kill_strays')).toBe(before);
    expect(countProcesses('sleep 61.25')).toBe(0);
  });
});

/** The snippet from issue 21: attach to, read and write its worker, steal its reply pipe and forge replies. */
const ATTACK_WORKER = String.raw`
import ctypes, errno, json, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
forged = b'{"id": "x", "stdout": "forged\\n", "stderr": "", "returncode": 0, "error_kind": null, "recycle": false}\n'
report = {}
for target in sorted({os.getppid(), 1}):
    seen = {}
    if libc.ptrace(16, target, None, None) == 0:
        seen['ptrace'] = 'attached'
        libc.ptrace(17, target, None, None)
    else:
        seen['ptrace'] = errno.errorcode[ctypes.get_errno()]
    try:
        with open('/proc/%d/mem' % target, 'r+b'):
            seen['mem'] = 'opened'
    except OSError as error:
        seen['mem'] = errno.errorcode[error.errno]
    pidfd = libc.syscall(434, target, 0)
    stolen = []
    for fd in range(16):
        got = libc.syscall(438, pidfd, fd, 0)
        if got >= 0:
            stolen.append(fd)
            try:
                os.write(got, forged * 4)
            except OSError:
                pass
    seen['pidfd_getfd'] = stolen
    report[target] = seen
print(json.dumps(report))
`;

describe.skipIf(!hasBwrap)('PythonSandbox against a snippet that attacks its sandbox (issue 21)', () => {
  it('a snippet cannot ptrace, write the memory of, or steal the reply pipe of its worker', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { wallMs: 3000 } });
    const attack = await own.run(ATTACK_WORKER);
    const report = JSON.parse(attack.stdout) as Record<string, { ptrace: string; mem: string; pidfd_getfd: number[] }>;
    for (const seen of Object.values(report)) {
      expect(seen.ptrace).toBe('EPERM');
      expect(seen.mem).toMatch(/EACCES|EPERM/);
      expect(seen.pidfd_getfd).toEqual([]);
    }
    // Each later call gets its own result, never a forged or an earlier one.
    for (const value of [1, 2, 3]) expect((await own.run(`print(${value})`)).stdout).toBe(`${value}\n`);
    await own.close();
  });

  it('/tmp is capped: filling it past the memory limit stops at its size', async () => {
    const own = new PythonSandbox({
      workers: 1,
      tmpBytes: 32 << 20,
      limits: { memoryBytes: 128 << 20, fileSizeBytes: 16 << 20 },
    });
    const result = await own.run(
      'written = 0\ntry:\n    for i in range(20):\n        with open("/tmp/f%d" % i, "wb") as f:\n            f.write(b"x" * (8 << 20))\n        written += 8 << 20\nexcept OSError as error:\n    print(error.errno)\nprint(written)',
    );
    const [errno, written] = result.stdout.trim().split('\n');
    expect(errno).toBe('28');
    expect(Number(written)).toBeLessThanOrEqual(32 << 20);
    await own.close();
  });

  it('each call starts with an empty /tmp, whatever the previous call left there', async () => {
    const own = new PythonSandbox({ workers: 1 });
    await own.run(
      'import os\nopen("/tmp/left", "w").write("x")\nos.makedirs("/tmp/d/e")\nopen("/tmp/d/e/f", "w").write("x")\nos.chmod("/tmp/d/e", 0o500)\nos.chmod("/tmp/d", 0o500)\nos.mkfifo("/tmp/fifo")',
    );
    await own.run('open("/dev/shm/left", "w").write("x")');
    const next = await own.run('import os\nprint(sorted(os.listdir("/tmp")), os.listdir("/dev/shm"))');
    expect(next.stdout).toBe('[] []\n');
    const locked = await own.run('import os\nopen("/tmp/x", "w").write("x")\nos.chmod("/tmp", 0)');
    expect(locked.errorKind).toBeNull();
    expect((await own.run('import os\nprint(sorted(os.listdir("/tmp")))')).stdout).toBe('[]\n');
    // Too many files to delete cheaply: the worker is replaced instead, with a fresh tmpfs.
    await own.run('for i in range(3000):\n    open("/tmp/%d" % i, "w").close()');
    expect((await own.run('import os\nprint(len(os.listdir("/tmp")))')).stdout).toBe('0\n');
    await own.close();
  });

  it('a snippet that renices its worker or lowers its rlimits does not change the next call', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { memoryBytes: 256 << 20 } });
    const probe =
      'import os\nx = bytearray(100 << 20)\nprint(os.getpriority(os.PRIO_PROCESS, 0), os.sched_getscheduler(0), sorted(os.sched_getaffinity(0)))';
    const baseline = await own.run(probe);
    expect(baseline).toMatchObject({ stdout: expect.stringMatching(/^0 0 \[/), errorKind: null });
    const tamper = await own.run(
      'import os, resource\nos.setpriority(os.PRIO_PROCESS, 1, 19)\nresource.prlimit(1, resource.RLIMIT_AS, (64 << 20, 64 << 20))\nos.sched_setaffinity(1, {0})\nos.sched_setscheduler(1, os.SCHED_IDLE, os.sched_param(0))\nprint("done")',
    );
    expect(tamper.stdout).toBe('done\n');
    expect(await own.run(probe)).toEqual(baseline);
    await own.close();
  });

  it('SysV shared memory a call leaves behind does not reach the next call, and no message queue is made', async () => {
    const own = new PythonSandbox({ workers: 1 });
    const left = await own.run(
      'import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.shmget(0, 1 << 20, 0o1600) >= 0)',
    );
    expect(left.stdout).toBe('True\n');
    const next = await own.run('print(len(open("/proc/sysvipc/shm").readlines()))');
    expect(next.stdout).toBe('1\n');
    // POSIX message queues also outlive their processes; a call may not create one.
    const queue = await own.run(
      'import ctypes, os\nrt = ctypes.CDLL("librt.so.1", use_errno=True)\nprint(rt.mq_open(b"/q", os.O_CREAT | os.O_RDWR, 0o600, None))',
    );
    expect(queue.stdout).toBe('-1\n');
    await own.close();
  });

  it('/dev is minimal and read-only but for a capped /dev/shm, and nested user namespaces are refused', async () => {
    const own = new PythonSandbox({ workers: 1, tmpBytes: 16 << 20 });
    const dev = await own.run(
      'import os\ntry:\n    open("/dev/x", "w").write("x")\n    print("wrote /dev/x")\nexcept OSError as error:\n    print(type(error).__name__)\ntry:\n    open("/dev/shm/x", "wb").write(b"x" * (8 << 20))\nexcept OSError as error:\n    print(error.errno)\nprint(sorted(os.listdir("/dev")))',
    );
    const [first, second, listing] = dev.stdout.trim().split('\n');
    expect([first, second]).toEqual(['OSError', '28']);
    // What /dev/shm is there for: multiprocessing's semaphores.
    const pool = await own.run(
      'import multiprocessing\nwith multiprocessing.Pool(2) as pool:\n    print(pool.map(abs, [-1, -2]))',
    );
    expect(pool.stdout).toBe('[1, 2]\n');
    const allowed = ['core', 'fd', 'full', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty'];
    for (const name of JSON.parse((listing ?? '[]').replaceAll("'", '"')) as string[]) {
      expect([...allowed, 'urandom', 'zero']).toContain(name);
    }
    const userns = await own.run(
      'import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nprint(libc.unshare(0x10000000), ctypes.get_errno())',
    );
    expect(userns.stdout).not.toMatch(/^0 /);
    await own.close();
  });

  it('kills a fork storm that detaches from the pipes, leaving nothing for the next call', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { wallMs: 3000, processes: 64 } });
    const started = Date.now();
    const storm = await own.run(
      [
        'import os',
        'for _ in range(8):',
        '    if os.fork() == 0:',
        '        os.setsid()',
        '        null = os.open("/dev/null", os.O_RDWR)',
        '        for fd in (0, 1, 2):',
        '            os.dup2(null, fd)',
        '        while True:',
        '            try:',
        '                if os.fork() != 0:',
        '                    os._exit(0)',
        '            except OSError:',
        '                pass',
        'print("started")',
      ].join('\n'),
    );
    expect(storm.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(2500);
    for (let check = 0; check < 3; check += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await own.run(OTHER_PROCESSES)).stdout).toBe('[]\n');
    }
    await own.close();
  });

  it('a call holding its whole process cap does not stop forks in another worker (RLIMIT_NPROC per user namespace)', async () => {
    const own = new PythonSandbox({ workers: 2, limits: { wallMs: 8000, processes: 8 } });
    await own.start();
    const hog = own.run(
      [
        'import os, time',
        'forked = 0',
        'while True:',
        '    try:',
        '        pid = os.fork()',
        '    except OSError:',
        '        break',
        '    if pid == 0:',
        '        os.execv("/usr/bin/sleep", ["sleep", "7.3125"])',
        '    forked += 1',
        'print(forked)',
        'time.sleep(3)',
      ].join('\n'),
    );
    // The worker and the call's own process count too: 6 sleeps fill a cap of 8.
    for (let wait = 0; wait < 100 && countProcesses('sleep 7.3125') < 6; wait += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(countProcesses('sleep 7.3125')).toBe(6);
    const other = await own.run(
      'import os\nfor _ in range(3):\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    os.waitpid(pid, 0)\nprint("forked 3")',
    );
    expect(other).toMatchObject({ stdout: 'forked 3\n', errorKind: null });
    expect((await hog).stdout).toBe('6\n');
    await own.close();
    expect(countProcesses('sleep 7.3125')).toBe(0);
  });

  it('names the error kind by what happened, not by what the snippet printed', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { wallMs: 1000, cpuSeconds: 1 } });
    const started = Date.now();
    const closed = await own.run('import os, time\nos.close(1)\nos.close(2)\ntime.sleep(30)');
    expect(closed.errorKind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2500);
    const selfKill = await own.run('import os, signal\nos.kill(os.getpid(), signal.SIGKILL)');
    expect(selfKill).toMatchObject({ errorKind: 'crashed', returncode: -9 });
    const printed = await own.run('import sys\nprint("MemoryError")\nprint("MemoryError", file=sys.stderr)');
    expect(printed.errorKind).toBeNull();
    const busy = await own.run('while True: pass', { limits: { wallMs: 5000 } });
    expect(busy.errorKind).toBe('cpu_limit');
    const deaf = await own.run('import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True: pass', {
      limits: { wallMs: 10_000 },
    });
    expect(deaf).toMatchObject({ errorKind: 'cpu_limit', returncode: -9 });
    await own.close();
  });

  it('run() after close() rejects, and so does a call queued when close() came', async () => {
    const own = new PythonSandbox({ workers: 1 });
    await own.start();
    const running = own.run('import time\ntime.sleep(0.5)');
    const queued = own.run('print(1)').catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.close();
    const hung = new Promise((resolve) => setTimeout(() => resolve('hung'), 3000));
    const after = await Promise.race([own.run('print(1)').catch((error: unknown) => error), hung]);
    expect(after).toBeInstanceOf(SandboxError);
    expect((after as SandboxError).code).toBe('SANDBOX_CLOSED');
    expect(await Promise.race([queued, hung])).toBeInstanceOf(SandboxError);
    expect(await Promise.race([running.then((result) => result.errorKind), hung])).toBe('aborted');
  });
});
