// Original file: ajet/v1/backend.proto


export interface WireForwardBackwardResponse {
  'loss'?: (number | string);
  /**
   * e.g. tokens, clip_frac, kl, entropy, ratio_mean.
   */
  'metrics'?: ({[key: string]: number | string});
}

export interface WireForwardBackwardResponseDecoded {
  'loss': (number);
  /**
   * e.g. tokens, clip_frac, kl, entropy, ratio_mean.
   */
  'metrics': ({[key: string]: number});
}
