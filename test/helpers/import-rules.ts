// The import rules of DESIGN §2, read from the source: which part of the tree may import which package.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** A folder the rules know: `packages/core`, `plugins/judges`, `tutorial/example_x`. */
interface Part {
  folder: string;
  /** The npm name from its package.json, when it has one. */
  name?: string;
  dependencies: string[];
}

export interface Violation {
  /** Path relative to the root, e.g. `packages/sinks/src/metrics-sinks.ts`, or its package.json. */
  file: string;
  specifier: string;
  rule: string;
}

const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const SKIPPED = new Set(['node_modules', 'dist', '.turbo', 'coverage']);
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
const BACKBONES = ['@ajet/backbone-grpc', '@ajet/tinylm'];

function parts(root: string): Part[] {
  const found: Part[] = [];
  for (const group of ['packages', 'plugins', 'tutorial']) {
    const folder = join(root, group);
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (!statSync(path).isDirectory()) continue;
      const manifest = join(path, 'package.json');
      const json = existsSync(manifest)
        ? (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; dependencies?: Record<string, string> })
        : {};
      found.push({ folder: relative(root, path), name: json.name, dependencies: Object.keys(json.dependencies ?? {}) });
    }
  }
  return found;
}

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !/\.test\.[cm]?[jt]s$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** The packages a part may not import, and why. */
function forbidden(part: Part): { names: string[]; rule: string }[] {
  const rules: { names: string[]; rule: string }[] = [];
  const group = part.folder.split(sep)[0];
  if (group === 'plugins' || group === 'tutorial' || part.folder === join('packages', 'sinks')) {
    rules.push({
      names: ['@ajet/core', '@ajet/cli'],
      rule: 'plugins, sinks and tutorials import @ajet/spec and public plugin packages, never @ajet/core or @ajet/cli',
    });
  }
  if (part.folder === join('packages', 'core')) {
    rules.push({ names: ['@ajet/cli', ...BACKBONES], rule: 'core never imports the cli or a backbone' });
  }
  if (part.folder === join('packages', 'tinylm')) {
    rules.push({ names: ['@ajet/core', '@ajet/cli'], rule: 'tinylm is a backbone: it imports @ajet/spec, not core' });
  }
  if (part.folder === join('packages', 'backbone-kit')) {
    rules.push({
      // `=name`: that exact specifier (the package root), its subpaths allowed.
      names: ['@ajet/core', '@ajet/cli', ...BACKBONES, '=@ajet/proto'],
      rule: 'backbone-kit is the contract: it imports @ajet/spec and @ajet/proto/wire (no grpc-js), never core, the cli or a backbone',
    });
  }
  if (part.folder === join('packages', 'client')) {
    rules.push({
      names: ['@ajet/core', '@ajet/cli', ...BACKBONES],
      rule: "the client runs in the agent's process: it imports @ajet/spec (the protocol), never core, the cli or a backbone",
    });
  }
  if (part.folder === join('packages', 'spec')) {
    rules.push({ names: ['@ajet/'], rule: 'spec is the ground: it imports no other ajet package' });
  }
  return rules;
}

function packageOf(specifier: string): string {
  const pieces = specifier.split('/');
  return specifier.startsWith('@') ? pieces.slice(0, 2).join('/') : (pieces[0] ?? specifier);
}

/** Every import (source files, tests excepted) and dependency (package.json) that breaks a rule. */
export function importViolations(root: string): Violation[] {
  const all = parts(root);
  const violations: Violation[] = [];
  for (const part of all) {
    const rules = forbidden(part);
    // `specifier`: the whole import, for `=name` rules; a dependency in package.json has none.
    const breaks = (name: string, specifier?: string) =>
      name === part.name
        ? undefined
        : rules.find((rule) =>
            rule.names.some((banned) => {
              if (banned.startsWith('=')) return specifier === banned.slice(1);
              return banned.endsWith('/') ? name.startsWith(banned) : name === banned;
            }),
          );
    for (const dependency of part.dependencies) {
      const rule = breaks(dependency);
      if (rule) violations.push({ file: join(part.folder, 'package.json'), specifier: dependency, rule: rule.rule });
    }
    for (const file of sourceFiles(join(root, part.folder))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const specifier = match[1] ?? '';
        const shown = relative(root, file);
        if (specifier.startsWith('.')) {
          const target = relative(root, resolve(dirname(file), specifier));
          const owner = all.find((other) => target === other.folder || target.startsWith(other.folder + sep));
          if (owner && owner !== part && target.split(sep).includes('internal')) {
            violations.push({
              file: shown,
              specifier,
              rule: `a package never imports another's internal/ (${owner.folder})`,
            });
          }
          continue;
        }
        if (/^@ajet\/[^/]+\/(?:src\/)?internal(?:\/|$)/.test(specifier)) {
          violations.push({ file: shown, specifier, rule: "a package never imports another's internal/" });
          continue;
        }
        const rule = breaks(packageOf(specifier), specifier);
        if (rule) violations.push({ file: shown, specifier, rule: rule.rule });
      }
    }
  }
  return violations;
}
