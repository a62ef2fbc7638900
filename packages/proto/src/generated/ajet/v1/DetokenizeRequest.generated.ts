// Original file: ajet/v1/backend.proto


export interface WireDetokenizeRequest {
  /**
   * int32 LE.
   */
  'tokenIds'?: (Buffer | Uint8Array | string);
}

export interface WireDetokenizeRequestDecoded {
  /**
   * int32 LE.
   */
  'tokenIds': (Buffer);
}
