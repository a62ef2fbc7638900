import { resolve } from 'node:path';
import { runServeCommand } from '@ajet/backbone-grpc';
import { sourceExtension, startBackboneThread } from '../backbone-thread.ts';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet serve --model builtin:tinylm-calculator [--host 127.0.0.1] [--port 50051] [--token T] [--seed N]
             [--state-root DIR] [--sample-threads 0]

Serves the embedded policy (or a folder a run saved) as ajet.v1.Backend over gRPC, for --backbone grpc.
Stops on SIGTERM/SIGINT after the call in flight. A token is required for every call when given; serving beyond
loopback without one prints a warning. Checkpoints a trainer asks for are written on this machine under
--state-root (default ./ajet_backend_state), by a name the trainer gives (<experiment>/<run>/step-N); a client
cannot name a folder outside it. The trainer's checkpoints/step-N/backend.json says which.
--sample-threads: worker threads drawing completions, so concurrent Sample calls run at once (0: the policy's own
thread); the same tokens for any count.
`;

/** `ajet serve`: the TypeScript reference server over the embedded policy. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('ajet serve', {
    args: argv,
    options: {
      model: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '50051' },
      token: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'state-root': { type: 'string', default: 'ajet_backend_state' },
      'sample-threads': { type: 'string', default: '0' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.model) throw new UsageError('missing --model (e.g. builtin:tinylm-calculator)', 'ajet serve');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0..65535, not "${values.port}"`, 'ajet serve');
  const seed = Number(values.seed);
  const sampleThreads = Number(values['sample-threads']);
  if (!Number.isInteger(sampleThreads) || sampleThreads < 0)
    throw new UsageError(
      `--sample-threads must be a whole number, 0 or more, not "${values['sample-threads']}"`,
      'ajet serve',
    );
  return runServeCommand({
    model: values.model,
    host: values.host ?? '127.0.0.1',
    port,
    token: values.token ?? process.env.AJET_BACKEND_TOKEN,
    stateRoot: resolve(values['state-root'] ?? 'ajet_backend_state'),
    // On its own thread, so this one keeps answering keepalive pings and SIGTERM while the policy computes.
    createBackbone: (model) =>
      startBackboneThread({
        entry: new URL(`../tinylm-thread-entry${sourceExtension}`, import.meta.url).href,
        options: { modelPath: model, seed, sampleThreads },
        concurrent: sampleThreads > 0 ? ['sample'] : [],
      }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
}
