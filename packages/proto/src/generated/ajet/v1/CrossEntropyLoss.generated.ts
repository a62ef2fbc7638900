// Original file: ajet/v1/backend.proto

import type { WireLossAggregation as Wire_ajet_v1_LossAggregation, WireLossAggregationDecoded as Wire_ajet_v1_LossAggregationDecoded } from '../../ajet/v1/LossAggregation.generated.ts';

export interface WireCrossEntropyLoss {
  'aggregation'?: (Wire_ajet_v1_LossAggregation);
}

export interface WireCrossEntropyLossDecoded {
  'aggregation': (Wire_ajet_v1_LossAggregationDecoded);
}
