import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ajet's own packages (`packages/`): a frame there is the runtime's, not the plugin author's. */
export const AJET_PACKAGES_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/** `    at fn (/path/file.ts:12:5)`, `    at async fn (file:///path/file.ts:12:5)` or `    at /path/file.ts:12:5`. */
const FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?\/[^()]*?):(\d+):(\d+)\)?$/;

function framePath(text: string): string | undefined {
  if (!text.startsWith('file://')) return text;
  try {
    return fileURLToPath(text);
  } catch {
    return undefined;
  }
}

function isUserFile(path: string): boolean {
  return !path.startsWith(AJET_PACKAGES_DIR) && !path.split(sep).includes('node_modules');
}

/**
 * Where a plugin error was thrown: `file:line:col` of the first stack frame in a user's file (source-mapped: the
 * CLI enables source maps, so a `.ts` plugin's line is its own), relative to `cwd` when inside it.
 */
export function userFrame(error: unknown, options: { cwd?: string } = {}): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const cwd = options.cwd ?? process.cwd();
  for (const line of stack.split('\n').slice(1)) {
    const match = FRAME.exec(line);
    const path = match?.[1] ? framePath(match[1]) : undefined;
    if (!path || !isUserFile(path)) continue;
    const fromCwd = relative(cwd, path);
    const shown = fromCwd.startsWith('..') || isAbsolute(fromCwd) ? path : fromCwd;
    return `${shown}:${match?.[2]}:${match?.[3]}`;
  }
  return undefined;
}
