#!/usr/bin/env node
// Builds the publishable packages to dist/ (JavaScript, .d.ts, source maps) with `tsc -b` over their project
// references, then copies the non-TypeScript files of src/ (worker .mjs, the logview page) beside them.
// Run from the repo root (`pnpm build`: every package) or from a package (its `prepack`: it and its references).
// Development in the repo does not need it: exports point at src/*.ts (tsx); publishConfig points the tarball at dist.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cwd = process.cwd();
const inPackage = cwd !== root.replace(/\/$/, '') && existsSync(join(cwd, 'tsconfig.build.json'));
const project = inPackage ? join(cwd, 'tsconfig.build.json') : join(root, 'tsconfig.build.json');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', project], { stdio: 'inherit' });

function copyAssets(packageDir) {
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== '__fixtures__') walk(path);
      } else if (!name.endsWith('.ts')) {
        const target = join(packageDir, 'dist', relative(join(packageDir, 'src'), path));
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(path, target);
      }
    }
  };
  walk(join(packageDir, 'src'));
}

const built = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')).references.map((ref) =>
  dirname(join(root, ref.path)),
);
for (const packageDir of inPackage ? [cwd] : built) copyAssets(packageDir);
