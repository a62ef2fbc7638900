// A thread of GradientPool: computes the gradient of its shard of each batch into its own shared buffer, reading
// the weights the owning backbone updates in place between steps.
import { parentPort, workerData } from 'node:worker_threads';
import type { TransformerConfig } from '../model-folder.ts';
import { accumulateShard, type GradientShard } from './gradient-shard.ts';
import { Transformer } from './transformer.ts';

const data = workerData as {
  config: TransformerConfig;
  params: SharedArrayBuffer;
  reference: SharedArrayBuffer;
  grads: SharedArrayBuffer;
};
const model = new Transformer(data.config);
const params = new Float32Array(data.params);
const reference = new Float32Array(data.reference);
const grads = new Float32Array(data.grads);

parentPort?.on('message', (shard: GradientShard) => {
  try {
    parentPort?.postMessage({ sums: accumulateShard({ model, params, reference, grads, shard }) });
  } catch (error) {
    parentPort?.postMessage({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
