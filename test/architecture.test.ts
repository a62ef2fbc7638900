import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importViolations } from './helpers/import-rules.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

/** Writes `files` (path → text) under a fresh folder and returns it. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'ajet-architecture-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the import rules of DESIGN §2', () => {
  it('hold in this repository', () => {
    expect(importViolations(REPO_ROOT)).toEqual([]);
  });

  it('catch each kind of break (a fixture tree)', () => {
    const root = tree({
      'packages/core/package.json': JSON.stringify({ name: '@ajet/core', dependencies: { '@ajet/tinylm': '*' } }),
      'packages/core/src/trainer.ts':
        "import { createTinyLm } from '@ajet/tinylm';\nimport type { X } from '@ajet/core';\n",
      'packages/core/src/internal/secret.ts': 'export const secret = 1;\n',
      'packages/sinks/package.json': JSON.stringify({ name: '@ajet/sinks' }),
      'packages/sinks/src/sink.ts': "import type { SinkFactory } from '@ajet/core';\n",
      'packages/tinylm/package.json': JSON.stringify({ name: '@ajet/tinylm' }),
      'packages/tinylm/src/model.ts':
        "const core = await import('@ajet/core');\nimport '../../core/src/internal/secret.ts';\n",
      'packages/tinylm/src/model.test.ts': "import { runJob } from '@ajet/core';\n",
      'plugins/judges/package.json': JSON.stringify({ name: '@ajet/judges', dependencies: { '@ajet/cli': '*' } }),
      'plugins/judges/src/judge.ts':
        "export { Trainer } from '@ajet/core';\nimport { x } from '@ajet/tools/internal/parse.ts';\n",
      'packages/backbone-kit/package.json': JSON.stringify({ name: '@ajet/backbone-kit' }),
      'packages/backbone-kit/src/kit.ts':
        "import { loadBackend } from '@ajet/proto';\nimport { ErrorCode } from '@ajet/proto/wire';\nimport type { GrpcBackbone } from '@ajet/backbone-grpc';\n",
      'tutorial/example_x/make-data.ts':
        "import { createRandom } from '@ajet/core';\nimport { createRandom as ok } from '@ajet/spec';\n",
    });
    const found = importViolations(root).map((violation) => `${violation.file} ${violation.specifier}`);
    expect(found.sort()).toEqual(
      [
        'packages/core/package.json @ajet/tinylm',
        'packages/core/src/trainer.ts @ajet/tinylm',
        'packages/sinks/src/sink.ts @ajet/core',
        'packages/tinylm/src/model.ts @ajet/core',
        'packages/tinylm/src/model.ts ../../core/src/internal/secret.ts',
        'plugins/judges/package.json @ajet/cli',
        'plugins/judges/src/judge.ts @ajet/core',
        'plugins/judges/src/judge.ts @ajet/tools/internal/parse.ts',
        'tutorial/example_x/make-data.ts @ajet/core',
        'packages/backbone-kit/src/kit.ts @ajet/proto',
        'packages/backbone-kit/src/kit.ts @ajet/backbone-grpc',
      ].sort(),
    );
  });
});
