// Original file: ajet/v1/backend.proto


export interface WireTrainingSample {
  /**
   * int32 LE.
   */
  'tokenIds'?: (Buffer | Uint8Array | string);
  /**
   * uint8, one per token: 1 where the loss counts.
   */
  'lossMask'?: (Buffer | Uint8Array | string);
  /**
   * float32 LE, one per token (0 where the mask is 0).
   */
  'samplerLogprobs'?: (Buffer | Uint8Array | string);
  'advantage'?: (number | string);
}

export interface WireTrainingSampleDecoded {
  /**
   * int32 LE.
   */
  'tokenIds': (Buffer);
  /**
   * uint8, one per token: 1 where the loss counts.
   */
  'lossMask': (Buffer);
  /**
   * float32 LE, one per token (0 where the mask is 0).
   */
  'samplerLogprobs': (Buffer);
  'advantage': (number);
}
