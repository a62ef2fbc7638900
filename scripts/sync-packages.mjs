#!/usr/bin/env node
// Makes every public workspace package publishable the same way (run after adding a package, or a dependency on a
// workspace package): its tsconfig.build.json (tsc -b, references = the workspace packages it depends on), the root
// tsconfig.build.json's list, and in its package.json: publishConfig (exports/main/types pointing at dist/ for the
// packed tarball, derived from the `exports` the repo runs: ./src/x.ts → ./dist/x.js + ./dist/x.d.ts), the build
// and prepack scripts, and license/engines/files when missing. Idempotent; `node scripts/sync-packages.mjs`, then
// `pnpm exec biome format --write .`. test/packaging.test.ts checks the packed result.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
const globs = [...workspace.matchAll(/^\s+-\s+['"]?([^'"\s]+)\/\*['"]?\s*$/gm)].map((match) => match[1]);
const dirs = globs
  .flatMap((glob) => readdirSync(join(root, glob)).map((name) => `${glob}/${name}`))
  .filter((dir) => existsSync(join(root, dir, 'package.json')))
  .sort();
const read = (dir) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
const byName = new Map(dirs.map((dir) => [read(dir).name, dir]));
const toDist = (path) => path.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');

const references = [];
for (const dir of dirs) {
  const pkg = read(dir);
  if (pkg.private) continue;
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })
    .filter((name) => byName.has(name))
    .sort();
  const buildConfig = {
    extends: '../../tsconfig.build.base.json',
    compilerOptions: { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/.tsbuildinfo' },
    include: ['src'],
    exclude: ['src/**/*.test.ts', 'src/**/__fixtures__'],
    references: deps.map((name) => ({ path: `../../${byName.get(name)}/tsconfig.build.json` })),
  };
  writeFileSync(join(root, dir, 'tsconfig.build.json'), `${JSON.stringify(buildConfig, null, 2)}\n`);
  references.push({ path: `./${dir}/tsconfig.build.json` });

  const published = {};
  for (const [key, value] of Object.entries(pkg.exports ?? {})) {
    if (typeof value === 'string' && !/^\.\/src\/.*\.ts$/.test(value)) {
      published[key] = key === './package.json' ? value : (pkg.publishConfig?.exports?.[key] ?? toDist(value));
      continue;
    }
    const js = toDist(typeof value === 'string' ? value : (value.default ?? value.import));
    published[key] = { types: js.replace(/\.js$/, '.d.ts'), import: js, default: js };
  }
  if (!published['./package.json']) published['./package.json'] = './package.json';
  pkg.exports = { ...pkg.exports, './package.json': './package.json' };
  pkg.license ??= 'Apache-2.0';
  pkg.files ??= ['dist', '!dist/.tsbuildinfo', 'src', '!src/**/*.test.ts', '!src/**/__fixtures__'];
  pkg.engines ??= { node: '>=20.19' };
  pkg.publishConfig = {
    access: 'public',
    ...pkg.publishConfig,
    ...(published['.'] ? { main: published['.'].import, types: published['.'].types } : {}),
    exports: published,
  };
  pkg.scripts = {
    ...pkg.scripts,
    build: 'node ../../scripts/build-packages.mjs',
    prepack: 'node ../../scripts/build-packages.mjs',
  };
  writeFileSync(join(root, dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}
writeFileSync(join(root, 'tsconfig.build.json'), `${JSON.stringify({ files: [], references }, null, 2)}\n`);
