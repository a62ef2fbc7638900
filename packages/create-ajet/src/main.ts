import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InitError, initProject } from './init-project.ts';

function help(command: string): string {
  return `Usage:
  ${command} [DIR] [--force]

Writes a new ajet project into DIR (default: the current folder): package.json, tsconfig.json, config.yaml, a judge
(src/judge.ts) and a workflow (src/workflow.ts), a tiny dataset (data/), a vitest test of the judge, a VS Code
"Debug one step" launch config and a README with the commands to install, train and test.
A non-empty DIR is refused unless --force (files of the same name are then replaced).
`;
}

/**
 * `create-ajet [dir]` and `ajet init [dir]`: writes the project, prints the next commands; returns the exit code.
 * `command` names the command in help and errors.
 */
export async function runInit(argv: string[], command = 'create-ajet'): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  }
  try {
    parsed = parse();
  } catch (error) {
    process.stderr.write(`${command}: error: ${(error as Error).message} (run \`${command} --help\` for usage)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(help(command));
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`${command}: error: one folder at most, got ${positionals.join(' ')}\n`);
    return 2;
  }
  const dir = positionals[0] ?? '.';
  try {
    const files = initProject({ dir, force: values.force });
    const fromHere = relative(process.cwd(), resolve(dir));
    const shown = fromHere.startsWith('..') ? resolve(dir) : fromHere || '.';
    const cd = shown === '.' ? '' : `  cd ${shown.includes(' ') ? JSON.stringify(shown) : shown}\n`;
    process.stdout.write(
      `${command}: wrote ${files.length} files to ${shown}\n\nNext:\n${cd}  npm install\n` +
        `  npx ajet --conf config.yaml --backbone debug\n  npm test\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof InitError)) throw error;
    process.stderr.write(`${command}: error: ${error.message}\n`);
    return 2;
  }
}
