// Original file: ajet/v1/backend.proto


export interface WireRenderPrefix {
  /**
   * int32 LE: the exact sequence so far.
   */
  'tokenIds'?: (Buffer | Uint8Array | string);
  /**
   * How many of `messages` the prefix covers.
   */
  'messageCount'?: (number);
}

export interface WireRenderPrefixDecoded {
  /**
   * int32 LE: the exact sequence so far.
   */
  'tokenIds': (Buffer);
  /**
   * How many of `messages` the prefix covers.
   */
  'messageCount': (number);
}
