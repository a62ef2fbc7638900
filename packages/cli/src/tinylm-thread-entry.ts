// The embedded policy for a backbone thread (`ajet serve`).
import type { Backbone } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';

export function createBackbone(options: {
  modelPath: string;
  seed: number;
  sampleThreads?: number;
}): Promise<Backbone> {
  return createTinyLm(options);
}
