// Original file: ajet/v1/backend.proto

export const FinishReason = {
  FINISH_REASON_UNSPECIFIED: 'FINISH_REASON_UNSPECIFIED',
  FINISH_REASON_STOP: 'FINISH_REASON_STOP',
  FINISH_REASON_LENGTH: 'FINISH_REASON_LENGTH',
  FINISH_REASON_ABORT: 'FINISH_REASON_ABORT',
} as const;

export type WireFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 0
  | 'FINISH_REASON_STOP'
  | 1
  | 'FINISH_REASON_LENGTH'
  | 2
  | 'FINISH_REASON_ABORT'
  | 3

export type WireFinishReasonDecoded = typeof FinishReason[keyof typeof FinishReason]
