// Original file: ajet/v1/backend.proto


export interface WireDetokenizeResponse {
  /**
   * The text of each token on its own, as many as the request's tokens.
   */
  'pieces'?: (string)[];
}

export interface WireDetokenizeResponseDecoded {
  /**
   * The text of each token on its own, as many as the request's tokens.
   */
  'pieces': (string)[];
}
