// `ajet serve` over a RecordingBackbone whose samples take 300 ms; exits with runServeCommand's code.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingBackbone } from '@ajet/spec/test';
import { runServeCommand } from '../src/index.ts';

class SlowBackbone extends RecordingBackbone {
  override async sample(request: Parameters<RecordingBackbone['sample']>[0]) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return super.sample(request);
  }
}

const code = await runServeCommand({
  model: 'recording',
  host: '127.0.0.1',
  port: 0,
  stateRoot: mkdtempSync(join(tmpdir(), 'ajet-serve-recording-')),
  createBackbone: async () => new SlowBackbone(),
  log: (line) => process.stdout.write(`${line}\n`),
});
process.exit(code);
