// Original file: ajet/v1/backend.proto


export interface WireToolCall {
  'id'?: (string);
  'name'?: (string);
  /**
   * The JSON text the model wrote.
   */
  'arguments'?: (string);
}

export interface WireToolCallDecoded {
  'id': (string);
  'name': (string);
  /**
   * The JSON text the model wrote.
   */
  'arguments': (string);
}
