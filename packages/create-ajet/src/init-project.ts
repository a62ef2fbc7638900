import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { projectFiles } from './templates.ts';

/** A problem with what was asked (a non-empty folder, a bad flag): one line for the user, with a hint. */
export class InitError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(hint ? `${message} (${hint})` : message);
    this.name = 'InitError';
    this.hint = hint;
  }
}

export interface InitProjectOptions {
  /** The project folder; created when missing. */
  dir: string;
  /** Write into a non-empty folder, replacing files of the same name. */
  force?: boolean;
  /** The `ajet` version range written to package.json; defaults to this package's own version (`^x.y.z`). */
  ajetRange?: string;
}

/** This package's version: create-ajet and ajet are released together (one changesets group). */
export function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** An npm-safe package name from a folder name. */
export function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '');
  return name || 'my-agent';
}

/** Writes a new ajet project into `dir`; returns the paths written (relative to `dir`). */
export function initProject(options: InitProjectOptions): string[] {
  const dir = resolve(options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InitError(`${options.dir} is a file, not a folder`);
    const present = readdirSync(dir).filter((name) => name !== '.git');
    if (present.length > 0 && !options.force) {
      throw new InitError(
        `${options.dir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''})`,
        'choose a new folder, or pass --force to write into it and replace files of the same name',
      );
    }
  }
  const files = projectFiles({ name: packageName(dir), ajetRange: options.ajetRange ?? `^${ownVersion()}` });
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  return Object.keys(files);
}
