export { AdamW } from './adamw.ts';
export { renderChat } from './chat-format.ts';
export { createTinyLm, resolveModelFolder, SHIPPED_WEIGHTS, shippedModels } from './create-tinylm.ts';
export type { LogitsTokenLoss, TokenLoss } from './loss.ts';
export { aggregationWeights, logitsTokenLoss, tokenLoss } from './loss.ts';
export { manifest } from './manifest.ts';
export type { ModelFile, TransformerConfig } from './model-folder.ts';
export { modelFileSchema, readModelFolder } from './model-folder.ts';
export { sampleFrom } from './sampler.ts';
export type { TinyLmOptions } from './tinylm-backbone.ts';
export { TinyLmBackbone } from './tinylm-backbone.ts';
export type { NumberTable, TokenizerData } from './tokenizer.ts';
export {
  buildWordList,
  END_NUMBER,
  END_OF_TEXT,
  FIRST_POINTER,
  IM_END,
  IM_START,
  TinyTokenizer,
  TokenDecoder,
} from './tokenizer.ts';
