// A thread of GradientPool: computes the gradients of its shard of each batch into the clusters' slots of a shared
// buffer, reading the weights the owning backbone updates in place between steps.
import { parentPort, workerData } from 'node:worker_threads';
import type { TransformerConfig } from '../model-folder.ts';
import { accumulateShard, type GradientShard } from './gradient-shard.ts';
import { Transformer } from './transformer.ts';

const data = workerData as {
  config: TransformerConfig;
  params: SharedArrayBuffer;
  reference: SharedArrayBuffer;
};
const model = new Transformer(data.config);
const params = new Float32Array(data.params);
const reference = new Float32Array(data.reference);

parentPort?.on('message', ({ shard, slots }: { shard: GradientShard; slots: SharedArrayBuffer }) => {
  try {
    parentPort?.postMessage({
      sums: accumulateShard({ model, params, reference, slots: new Float32Array(slots), shard }),
    });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
