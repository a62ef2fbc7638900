// Original file: ajet/v1/backend.proto


export interface WireStateRequest {
  /**
   * A relative name under the server's state root (`run-1/step-3`); absolute paths and `..` are refused.
   */
  'name'?: (string);
  'includeOptimizer'?: (boolean);
  /**
   * SaveState only: earlier states (names, as above) to delete once this one is saved, so the server keeps what
   * the trainer keeps.
   */
  'remove'?: (string)[];
}

export interface WireStateRequestDecoded {
  /**
   * A relative name under the server's state root (`run-1/step-3`); absolute paths and `..` are refused.
   */
  'name': (string);
  'includeOptimizer': (boolean);
  /**
   * SaveState only: earlier states (names, as above) to delete once this one is saved, so the server keeps what
   * the trainer keeps.
   */
  'remove': (string)[];
}
