// A data-parallel worker of pretrain_tinylm.ts: computes the gradient of its share of a batch into a shared
// buffer, reading the shared weights the main thread updates between steps.
import { parentPort, workerData } from 'node:worker_threads';
import type { TrainingSample } from '@ajet/spec';
import { TinyLmBackbone, type TokenizerData, type TransformerConfig } from '@ajet/tinylm';

const data = workerData as {
  config: TransformerConfig;
  tokenizer: TokenizerData;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
};
const backbone = new TinyLmBackbone({
  name: 'worker',
  config: data.config,
  tokenizer: data.tokenizer,
  params: new Float32Array(data.params),
  grads: new Float32Array(data.grads),
});

parentPort?.on('message', async (message: { samples: TrainingSample[]; lossScale: number }) => {
  const result = await backbone.forwardBackward({
    samples: message.samples,
    loss: { type: 'cross_entropy', aggregation: 'token-mean' },
    lossScale: message.lossScale,
  });
  parentPort?.postMessage({ loss: result.loss });
});
