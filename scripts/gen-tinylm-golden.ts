// Writes backend/tests/fixtures/tinylm_golden.json: what the TypeScript tinylm answers, for the Python twin's tests.
//   node --import tsx scripts/gen-tinylm-golden.ts
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOLDEN_FILE, tinyLmGolden } from '../test/helpers/tinylm-golden.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const file = join(root, GOLDEN_FILE);
writeFileSync(file, `${JSON.stringify(await tinyLmGolden())}\n`);
execFileSync('pnpm', ['exec', 'biome', 'format', '--write', file], { cwd: root, stdio: 'ignore' });
process.stdout.write(`wrote ${file}\n`);
