// Original file: ajet/v1/backend.proto

export const LossAggregation = {
  LOSS_AGGREGATION_UNSPECIFIED: 'LOSS_AGGREGATION_UNSPECIFIED',
  LOSS_AGGREGATION_TOKEN_MEAN: 'LOSS_AGGREGATION_TOKEN_MEAN',
  LOSS_AGGREGATION_SEQ_MEAN: 'LOSS_AGGREGATION_SEQ_MEAN',
} as const;

export type WireLossAggregation =
  | 'LOSS_AGGREGATION_UNSPECIFIED'
  | 0
  | 'LOSS_AGGREGATION_TOKEN_MEAN'
  | 1
  | 'LOSS_AGGREGATION_SEQ_MEAN'
  | 2

export type WireLossAggregationDecoded = typeof LossAggregation[keyof typeof LossAggregation]
