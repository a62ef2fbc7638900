// `pnpm bench [name...] [key=value...]`: runs bench/<name>.ts (all without names), each in its own process;
// key=value arguments go to every benchmark (e.g. config overrides for tinylm-calculator).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(folder)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.endsWith('.test.ts'))
  .map((file) => file.slice(0, -3))
  .sort();
// `--name value` and `--name=value` options go to every benchmark too (e.g. tinylm-calculator --seeds 42,7,8).
const args = process.argv.slice(2);
const isOption = (index: number) =>
  args[index]?.startsWith('--') === true ||
  (args[index - 1]?.startsWith('--') === true && !args[index - 1]?.includes('='));
const wanted = args.filter((argument, index) => !argument.includes('=') && !isOption(index));
const passThrough = args.filter((argument, index) => argument.includes('=') || isOption(index));
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no benchmark ${unknown.join(', ')} (have: ${all.join(', ')})`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `${folder}${name}.ts`, ...passThrough], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
