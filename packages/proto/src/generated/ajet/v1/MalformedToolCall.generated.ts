// Original file: ajet/v1/backend.proto


export interface WireMalformedToolCall {
  'raw'?: (string);
  'error'?: (string);
}

export interface WireMalformedToolCallDecoded {
  'raw': (string);
  'error': (string);
}
