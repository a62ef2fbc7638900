// Original file: ajet/v1/backend.proto

import type { WireSamplingParams as Wire_ajet_v1_SamplingParams, WireSamplingParamsDecoded as Wire_ajet_v1_SamplingParamsDecoded } from '../../ajet/v1/SamplingParams.generated.ts';

export interface WireSampleRequest {
  /**
   * int32 LE.
   */
  'promptIds'?: (Buffer | Uint8Array | string);
  /**
   * Completions to draw; 0 means 1.
   */
  'n'?: (number);
  'sampling'?: (Wire_ajet_v1_SamplingParams | null);
}

export interface WireSampleRequestDecoded {
  /**
   * int32 LE.
   */
  'promptIds': (Buffer);
  /**
   * Completions to draw; 0 means 1.
   */
  'n': (number);
  'sampling': (Wire_ajet_v1_SamplingParamsDecoded | null);
}
