// Serves a RecordingBackbone whose sample never answers, and prints the address; the test kills this process.
import { RecordingBackbone } from '@ajet/spec/test';
import { serveBackbone } from '../src/index.ts';

class HangingBackbone extends RecordingBackbone {
  override sample(): Promise<never> {
    return new Promise(() => {});
  }
}

const server = await serveBackbone({ backbone: new HangingBackbone(), host: '127.0.0.1', port: 0 });
process.stdout.write(`${server.address}\n`);
