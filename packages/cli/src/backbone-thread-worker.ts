// Inside the backbone thread: creates the backbone, then answers calls in order, one at a time except the methods
// named `concurrent` (started in order, finishing on their own).
import { parentPort, workerData } from 'node:worker_threads';
import type { Backbone } from '@ajet/spec';
import { type BackboneThreadOptions, serializeError, type ThreadCall, type ThreadReply } from './backbone-thread.ts';

const port = parentPort;
if (!port) throw new Error('backbone-thread-worker runs only as a worker thread');
const { entry, options, concurrent = [] } = (workerData as { backbone: BackboneThreadOptions }).backbone;
const post = (reply: ThreadReply) => port.postMessage(reply);

let backbone: Backbone;
try {
  const module = (await import(entry)) as { createBackbone(options: unknown): Promise<Backbone> };
  backbone = await module.createBackbone(options);
  post({ ready: true });
} catch (error) {
  post({ ready: false, error: serializeError(error) });
  process.exit(1);
}

let queue: Promise<void> = Promise.resolve();
port.on('message', (call: ThreadCall) => {
  queue = queue.then(async () => {
    const answer = async () => {
      try {
        const method = backbone[call.method] as (request?: unknown) => Promise<unknown>;
        post({ id: call.id, result: await method.call(backbone, call.request) });
      } catch (error) {
        post({ id: call.id, error: serializeError(error) });
      }
    };
    if (concurrent.includes(call.method)) void answer();
    else await answer();
  });
});
