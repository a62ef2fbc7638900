import { existsSync } from 'node:fs';

export interface SandboxCommandOptions {
  pythonPath: string;
  bwrapPath: string;
  script: string;
  /** Size of the worker's /tmp (a tmpfs, emptied after every call); its /dev/shm gets a quarter of it. */
  tmpBytes: number;
}

/**
 * The argv that starts one worker: bubblewrap with every namespace unshared (nested user namespaces refused), the
 * worker itself as PID 1, read-only /usr, a read-only minimal /dev (but a capped /dev/shm), a size-capped tmpfs /tmp and no other host
 * path. As root, `setpriv` first drops to nobody, because the kernel exempts uid 0 from RLIMIT_NPROC.
 */
export function sandboxCommand(options: SandboxCommandOptions): string[] {
  const mounts = ['--ro-bind', '/usr', '/usr'];
  for (const name of ['bin', 'lib', 'lib64', 'sbin']) {
    if (existsSync(`/usr/${name}`)) mounts.push('--symlink', `usr/${name}`, `/${name}`);
  }
  const bwrap = [
    options.bwrapPath,
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--as-pid-1',
    '--die-with-parent',
    '--new-session',
    ...mounts,
    '--proc',
    '/proc',
    // bwrap's /dev holds only null, zero, full, random, urandom, tty, pts and symlinks; read-only, nothing can
    // be stored there (its tmpfs would otherwise take up to half of RAM, uncounted) but in a capped /dev/shm,
    // which multiprocessing's semaphores need.
    '--dev',
    '/dev',
    '--size',
    String(Math.max(1 << 20, Math.floor(options.tmpBytes / 4))),
    '--tmpfs',
    '/dev/shm',
    '--remount-ro',
    '/dev',
    '--size',
    String(options.tmpBytes),
    '--tmpfs',
    '/tmp',
    '--remount-ro',
    '/',
    '--chdir',
    '/tmp',
    '--clearenv',
    '--setenv',
    'PATH',
    '/usr/bin:/bin',
    '--setenv',
    'HOME',
    '/tmp',
    '--setenv',
    'PYTHONDONTWRITEBYTECODE',
    '1',
    options.pythonPath,
    '-I',
    '-c',
    options.script,
  ];
  const isRoot = process.getuid?.() === 0;
  return isRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...bwrap] : bwrap;
}
