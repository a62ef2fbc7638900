// Original file: ajet/v1/backend.proto


export interface WireOptimStepRequest {
  'learningRate'?: (number | string);
  'beta1'?: (number | string);
  'beta2'?: (number | string);
  'eps'?: (number | string);
  'weightDecay'?: (number | string);
  /**
   * 0 turns clipping off.
   */
  'maxGradNorm'?: (number | string);
}

export interface WireOptimStepRequestDecoded {
  'learningRate': (number);
  'beta1': (number);
  'beta2': (number);
  'eps': (number);
  'weightDecay': (number);
  /**
   * 0 turns clipping off.
   */
  'maxGradNorm': (number);
}
