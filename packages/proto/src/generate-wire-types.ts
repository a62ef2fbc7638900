import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Where the generated wire types live (committed; `pnpm gen:proto` rewrites them). */
export const generatedFolder = fileURLToPath(new URL('./generated/', import.meta.url));

const protoRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * @grpc/proto-loader's own generator, with the options `loadBackend` decodes with (camelCase, 64-bit integers as
 * numbers, enums as names, defaults, oneof names), so the types say what arrives. `WireX` is what may be sent,
 * `WireXDecoded` what is received.
 */
const generatorArguments = [
  ...['--longs', 'Number', '--enums', 'String', '--defaults', '--oneofs', '--includeComments'],
  ...['--grpcLib', '@grpc/grpc-js', '--inputTemplate', 'Wire%s', '--outputTemplate', 'Wire%sDecoded'],
  ...['--targetFileExtension', '.generated.ts', '--importFileExtension', '.generated.ts'],
];

/** Runs the generator on ajet/v1/backend.proto into `outDir`. */
export async function generateWireTypes(outDir: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const generator = join(require.resolve('@grpc/proto-loader/package.json'), '../build/bin/proto-loader-gen-types.js');
  // Relative paths, so the files name `ajet/v1/backend.proto` and not this checkout's folder.
  await promisify(execFile)(
    process.execPath,
    [generator, ...generatorArguments, ...['-I', '.', '-O', outDir, 'ajet/v1/backend.proto']],
    { cwd: protoRoot },
  );
  const modules = (await readdir(join(outDir, 'ajet/v1'))).filter((name) => name.endsWith('.generated.ts')).sort();
  const lines = modules.map((name) => `export * from './ajet/v1/${name}';`);
  await writeFile(
    join(outDir, 'index.generated.ts'),
    `// Every generated module of ajet/v1 (written by generate-wire-types.ts).\n${lines.join('\n')}\n`,
  );
}

async function readTree(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(folder, path), await readFile(path, 'utf8'));
  }
  return files;
}

/** Generates into a temporary folder and returns both trees (relative path → text), for the drift test. */
export async function generatedAndCommitted(): Promise<{ fresh: Map<string, string>; committed: Map<string, string> }> {
  const outDir = await mkdtemp(join(tmpdir(), 'ajet-proto-gen-'));
  try {
    await generateWireTypes(outDir);
    return { fresh: await readTree(outDir), committed: await readTree(generatedFolder) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
