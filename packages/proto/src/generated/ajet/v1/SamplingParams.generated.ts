// Original file: ajet/v1/backend.proto

import type { Long } from '@grpc/proto-loader';

export interface WireSamplingParams {
  'temperature'?: (number | string);
  'topP'?: (number | string);
  'maxTokens'?: (number);
  'stop'?: (string)[];
  /**
   * Set: the call is deterministic and may be retried.
   */
  'seed'?: (number | string | Long);
  '_temperature'?: "temperature";
  '_topP'?: "topP";
  '_maxTokens'?: "maxTokens";
  '_seed'?: "seed";
}

export interface WireSamplingParamsDecoded {
  'temperature'?: (number);
  'topP'?: (number);
  'maxTokens'?: (number);
  'stop': (string)[];
  /**
   * Set: the call is deterministic and may be retried.
   */
  'seed'?: (number);
  '_temperature'?: "temperature";
  '_topP'?: "topP";
  '_maxTokens'?: "maxTokens";
  '_seed'?: "seed";
}
