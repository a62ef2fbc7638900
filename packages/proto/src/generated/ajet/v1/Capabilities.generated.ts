// Original file: ajet/v1/backend.proto


export interface WireCapabilities {
  'trainable'?: (boolean);
  'lora'?: (boolean);
  /**
   * Longest sequence in tokens.
   */
  'maxModelLen'?: (number);
  /**
   * Token ids run 0..vocab_size-1 (the embedding rows); 0: not said.
   */
  'vocabSize'?: (number);
}

export interface WireCapabilitiesDecoded {
  'trainable': (boolean);
  'lora': (boolean);
  /**
   * Longest sequence in tokens.
   */
  'maxModelLen': (number);
  /**
   * Token ids run 0..vocab_size-1 (the embedding rows); 0: not said.
   */
  'vocabSize': (number);
}
