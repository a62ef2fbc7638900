// Original file: ajet/v1/backend.proto


export interface WireToolSpec {
  'name'?: (string);
  'description'?: (string);
  /**
   * JSON Schema of the arguments object, as JSON text.
   */
  'parametersJson'?: (string);
}

export interface WireToolSpecDecoded {
  'name': (string);
  'description': (string);
  /**
   * JSON Schema of the arguments object, as JSON text.
   */
  'parametersJson': (string);
}
