// Original file: ajet/v1/backend.proto


export interface WireRenderChatResponse {
  /**
   * int32 LE.
   */
  'tokenIds'?: (Buffer | Uint8Array | string);
}

export interface WireRenderChatResponseDecoded {
  /**
   * int32 LE.
   */
  'tokenIds': (Buffer);
}
