// `ajet serve` over the recording test backbone, for end-to-end tests of a remote backend: the same server code
// (runServeCommand) with the test double that production does not ship. Flags: --port, --host, --state-root.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runServeCommand } from '@ajet/backbone-grpc';
import { RecordingBackbone } from '@ajet/spec/test';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'state-root': { type: 'string', default: 'ajet_backend_state' },
  },
});
process.exitCode = await runServeCommand({
  model: 'recording',
  host: values.host,
  port: Number(values.port),
  stateRoot: resolve(values['state-root']),
  createBackbone: async () => new RecordingBackbone(),
  log: (line) => process.stderr.write(`${line}\n`),
});
