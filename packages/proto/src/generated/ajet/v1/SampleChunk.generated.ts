// Original file: ajet/v1/backend.proto

import type { WireFinishReason as Wire_ajet_v1_FinishReason, WireFinishReasonDecoded as Wire_ajet_v1_FinishReasonDecoded } from '../../ajet/v1/FinishReason.generated.ts';
import type { Long } from '@grpc/proto-loader';

export interface WireSampleChunk {
  /**
   * Which of the n completions this is, from 0.
   */
  'index'?: (number);
  /**
   * int32 LE.
   */
  'tokenIds'?: (Buffer | Uint8Array | string);
  /**
   * float32 LE, one per token.
   */
  'logprobs'?: (Buffer | Uint8Array | string);
  'text'?: (string);
  'finishReason'?: (Wire_ajet_v1_FinishReason);
  /**
   * The weights that produced this completion.
   */
  'policyVersion'?: (number | string | Long);
}

export interface WireSampleChunkDecoded {
  /**
   * Which of the n completions this is, from 0.
   */
  'index': (number);
  /**
   * int32 LE.
   */
  'tokenIds': (Buffer);
  /**
   * float32 LE, one per token.
   */
  'logprobs': (Buffer);
  'text': (string);
  'finishReason': (Wire_ajet_v1_FinishReasonDecoded);
  /**
   * The weights that produced this completion.
   */
  'policyVersion': (number);
}
