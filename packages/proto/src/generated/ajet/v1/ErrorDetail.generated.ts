// Original file: ajet/v1/backend.proto


/**
 * Why a call failed, as the server raised it. Sent in the trailing metadata key `ajet-error-detail-bin`.
 */
export interface WireErrorDetail {
  /**
   * A name from ErrorCode.
   */
  'code'?: (string);
  /**
   * What went wrong, one line, without the hint.
   */
  'message'?: (string);
  /**
   * What to do next; may be empty.
   */
  'hint'?: (string);
  /**
   * Whether the same call may succeed when repeated.
   */
  'retryable'?: (boolean);
}

/**
 * Why a call failed, as the server raised it. Sent in the trailing metadata key `ajet-error-detail-bin`.
 */
export interface WireErrorDetailDecoded {
  /**
   * A name from ErrorCode.
   */
  'code': (string);
  /**
   * What went wrong, one line, without the hint.
   */
  'message': (string);
  /**
   * What to do next; may be empty.
   */
  'hint': (string);
  /**
   * Whether the same call may succeed when repeated.
   */
  'retryable': (boolean);
}
