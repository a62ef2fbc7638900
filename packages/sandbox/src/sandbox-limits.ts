/** Per-call limits; every call runs in a freshly forked child with these rlimits. */
export interface SandboxLimits {
  wallMs: number;
  cpuSeconds: number;
  memoryBytes: number;
  outputBytes: number;
  fileSizeBytes: number;
  processes: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  wallMs: 10_000,
  cpuSeconds: 10,
  memoryBytes: 512 * 1024 * 1024,
  outputBytes: 1024 * 1024,
  fileSizeBytes: 16 * 1024 * 1024,
  processes: 32,
};

/** Size of each worker's /tmp (a tmpfs, emptied after every call). */
export const DEFAULT_TMP_BYTES = 64 * 1024 * 1024;

export type SandboxErrorKind =
  | 'timeout'
  | 'cpu_limit'
  | 'memory_limit'
  | 'output_limit'
  | 'crashed'
  | 'worker_died'
  | 'protocol_violation'
  | 'aborted';

export interface PythonResult {
  stdout: string;
  stderr: string;
  returncode: number;
  /** Set when the run was cut short or died; null when the code ran to its own end. */
  errorKind: SandboxErrorKind | null;
}
