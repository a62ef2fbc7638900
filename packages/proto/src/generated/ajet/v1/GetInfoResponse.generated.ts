// Original file: ajet/v1/backend.proto

import type { WireCapabilities as Wire_ajet_v1_Capabilities, WireCapabilitiesDecoded as Wire_ajet_v1_CapabilitiesDecoded } from '../../ajet/v1/Capabilities.generated.ts';
import type { Long } from '@grpc/proto-loader';

export interface WireGetInfoResponse {
  'model'?: (string);
  'tokenizer'?: (string);
  /**
   * Increments with every OptimStep.
   */
  'policyVersion'?: (number | string | Long);
  'capabilities'?: (Wire_ajet_v1_Capabilities | null);
}

export interface WireGetInfoResponseDecoded {
  'model': (string);
  'tokenizer': (string);
  /**
   * Increments with every OptimStep.
   */
  'policyVersion': (number);
  'capabilities': (Wire_ajet_v1_CapabilitiesDecoded | null);
}
