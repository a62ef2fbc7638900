// Original file: ajet/v1/backend.proto

import type { WireSampleChunk as Wire_ajet_v1_SampleChunk, WireSampleChunkDecoded as Wire_ajet_v1_SampleChunkDecoded } from '../../ajet/v1/SampleChunk.generated.ts';
import type { Long } from '@grpc/proto-loader';

export interface WireSampleChatResponse {
  /**
   * int32 LE: the rendered tokens after the prefix (the whole prompt without one).
   */
  'renderedIds'?: (Buffer | Uint8Array | string);
  /**
   * In index order; empty when the prompt leaves no room in max_model_len.
   */
  'completions'?: (Wire_ajet_v1_SampleChunk)[];
  /**
   * The weights that produced the completions.
   */
  'policyVersion'?: (number | string | Long);
}

export interface WireSampleChatResponseDecoded {
  /**
   * int32 LE: the rendered tokens after the prefix (the whole prompt without one).
   */
  'renderedIds': (Buffer);
  /**
   * In index order; empty when the prompt leaves no room in max_model_len.
   */
  'completions': (Wire_ajet_v1_SampleChunkDecoded)[];
  /**
   * The weights that produced the completions.
   */
  'policyVersion': (number);
}
