import { assertExperimentDir, startLogviewServer, writeStaticReport } from '@ajet/logview';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet logview <experiment dir> [--port P] [--host 127.0.0.1]
  ajet logview <experiment dir> --static [--out FILE]

Serves a page with the run's curves (reward, success rate, pass@k, tokens per step) and its episodes, tokens
coloured (trained: blue by sampler probability; masked: grey; tool output: amber). It follows a run in progress.
--static writes one self-contained report.html into the folder instead (or to --out).

Options:
  --port P      port to listen on (default 6070; 0 picks a free one)
  --host H      address to listen on (default 127.0.0.1)
  --static      write report.html and exit
  --out FILE    where --static writes (default <experiment dir>/report.html)

Example:
  ajet logview saved_experiments/calculator_agent
`;

/** `ajet logview DIR`: serve the experiment's report, or write it as one file with --static. */
export async function logviewCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('ajet logview', {
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '6070' },
      host: { type: 'string', default: '127.0.0.1' },
      static: { type: 'boolean', default: false },
      out: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const [dir, ...extra] = positionals;
  if (!dir) throw new UsageError('missing the experiment folder, e.g. saved_experiments/<name>', 'ajet logview');
  if (extra.length > 0)
    throw new UsageError(`one experiment folder at a time (also got ${extra.join(' ')})`, 'ajet logview');
  assertExperimentDir(dir);
  if (values.static) {
    const file = await writeStaticReport({ experimentDir: dir, outFile: values.out });
    process.stdout.write(`${file}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number, not "${values.port}"`, 'ajet logview');
  }
  const server = await startLogviewServer({ experimentDir: dir, host: values.host, port });
  process.stderr.write(`ajet: logview at ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
