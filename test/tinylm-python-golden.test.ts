import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';
import { GOLDEN_FILE, tinyLmGolden } from './helpers/tinylm-golden.ts';

// backend/tests/test_tinylm.py checks the Python twin of tinylm against this file; it must say what the
// TypeScript tinylm answers today.
it('backend/tests/fixtures/tinylm_golden.json is what the TypeScript tinylm answers (regenerate: node --import tsx scripts/gen-tinylm-golden.ts)', async () => {
  const committed = JSON.parse(readFileSync(join(REPO_ROOT, GOLDEN_FILE), 'utf8'));
  expect(JSON.parse(JSON.stringify(await tinyLmGolden()))).toEqual(committed);
}, 60_000);
