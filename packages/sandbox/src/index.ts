export type { PythonSandboxOptions } from './python-sandbox.ts';
export { PythonSandbox } from './python-sandbox.ts';
export type { SandboxCommandOptions } from './sandbox-command.ts';
export { sandboxCommand } from './sandbox-command.ts';
export { INSTALL_HINT, SandboxError } from './sandbox-error.ts';
export type { PythonResult, SandboxErrorKind, SandboxLimits } from './sandbox-limits.ts';
export { DEFAULT_LIMITS, DEFAULT_TMP_BYTES } from './sandbox-limits.ts';
