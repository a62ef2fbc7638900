// Original file: ajet/v1/backend.proto

import type { WireKlPenalty as Wire_ajet_v1_KlPenalty, WireKlPenaltyDecoded as Wire_ajet_v1_KlPenaltyDecoded } from '../../ajet/v1/KlPenalty.generated.ts';
import type { WireLossAggregation as Wire_ajet_v1_LossAggregation, WireLossAggregationDecoded as Wire_ajet_v1_LossAggregationDecoded } from '../../ajet/v1/LossAggregation.generated.ts';

export interface WireImportanceSamplingLoss {
  'kl'?: (Wire_ajet_v1_KlPenalty | null);
  'aggregation'?: (Wire_ajet_v1_LossAggregation);
  '_kl'?: "kl";
}

export interface WireImportanceSamplingLossDecoded {
  'kl'?: (Wire_ajet_v1_KlPenaltyDecoded | null);
  'aggregation': (Wire_ajet_v1_LossAggregationDecoded);
  '_kl'?: "kl";
}
