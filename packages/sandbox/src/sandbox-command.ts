import { existsSync } from 'node:fs';

export interface SandboxCommandOptions {
  pythonPath: string;
  bwrapPath: string;
  script: string;
}

/**
 * The argv that starts one worker: bubblewrap with every namespace unshared, read-only /usr, tmpfs /tmp and no
 * other host path. As root, `setpriv` first drops to nobody, because the kernel exempts uid 0 from RLIMIT_NPROC.
 */
export function sandboxCommand(options: SandboxCommandOptions): string[] {
  const mounts = ['--ro-bind', '/usr', '/usr'];
  for (const name of ['bin', 'lib', 'lib64', 'sbin']) {
    if (existsSync(`/usr/${name}`)) mounts.push('--symlink', `usr/${name}`, `/${name}`);
  }
  const bwrap = [
    options.bwrapPath,
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    ...mounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
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
