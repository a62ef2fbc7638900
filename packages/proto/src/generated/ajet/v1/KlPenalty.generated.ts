// Original file: ajet/v1/backend.proto


/**
 * k3 estimator: exp(r) - r - 1 with r = ref - logp.
 */
export interface WireKlPenalty {
  'beta'?: (number | string);
}

/**
 * k3 estimator: exp(r) - r - 1 with r = ref - logp.
 */
export interface WireKlPenaltyDecoded {
  'beta': (number);
}
