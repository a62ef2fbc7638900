import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
    const after = await sandbox.run('import os\nprint(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))');
    // The namespace init, the worker and this call's (pre-forked) child: nothing else.
    expect(JSON.parse(after.stdout)).toHaveLength(3);
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

  it('replaces a worker that was killed and answers the next call', async () => {
    const own = new PythonSandbox({ workers: 1, limits: { wallMs: 200 } });
    await own.start();
    const result = await own.run('import os, signal\nos.kill(os.getppid(), signal.SIGKILL)');
    expect(result.returncode).toBeLessThan(0);
    expect((await own.run('print(1)')).stdout).toBe('1\n');
    await own.close();
  });

  it('the worker refuses to run unless it is the first process of its own PID namespace', () => {
    // Run it one level down inside a namespace, so a broken guard could only harm the throwaway namespace.
    const argv = sandboxCommand({ pythonPath: '/usr/bin/sh', bwrapPath: 'bwrap', script: '' });
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
