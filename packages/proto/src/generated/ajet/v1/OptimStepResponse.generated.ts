// Original file: ajet/v1/backend.proto

import type { Long } from '@grpc/proto-loader';

export interface WireOptimStepResponse {
  'policyVersion'?: (number | string | Long);
  /**
   * Global gradient norm before clipping. Not finite (NaN) when the gradients or a loss since the last step were
   * not: the step was skipped, the gradients zeroed, policy_version unchanged.
   */
  'gradNorm'?: (number | string);
}

export interface WireOptimStepResponseDecoded {
  'policyVersion': (number);
  /**
   * Global gradient norm before clipping. Not finite (NaN) when the gradients or a loss since the last step were
   * not: the step was skipped, the gradients zeroed, policy_version unchanged.
   */
  'gradNorm': (number);
}
