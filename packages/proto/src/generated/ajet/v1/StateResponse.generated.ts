// Original file: ajet/v1/backend.proto


export interface WireStateResponse {
  /**
   * The folder the state is in, absolute, on the server's file system.
   */
  'path'?: (string);
}

export interface WireStateResponseDecoded {
  /**
   * The folder the state is in, absolute, on the server's file system.
   */
  'path': (string);
}
