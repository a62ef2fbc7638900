// Original file: ajet/v1/backend.proto

import type { WireKlPenalty as Wire_ajet_v1_KlPenalty, WireKlPenaltyDecoded as Wire_ajet_v1_KlPenaltyDecoded } from '../../ajet/v1/KlPenalty.generated.ts';
import type { WireLossAggregation as Wire_ajet_v1_LossAggregation, WireLossAggregationDecoded as Wire_ajet_v1_LossAggregationDecoded } from '../../ajet/v1/LossAggregation.generated.ts';

export interface WirePpoLoss {
  'clipLow'?: (number | string);
  'clipHigh'?: (number | string);
  'dualClip'?: (number | string);
  'kl'?: (Wire_ajet_v1_KlPenalty | null);
  'aggregation'?: (Wire_ajet_v1_LossAggregation);
  '_dualClip'?: "dualClip";
  '_kl'?: "kl";
}

export interface WirePpoLossDecoded {
  'clipLow': (number);
  'clipHigh': (number);
  'dualClip'?: (number);
  'kl'?: (Wire_ajet_v1_KlPenaltyDecoded | null);
  'aggregation': (Wire_ajet_v1_LossAggregationDecoded);
  '_dualClip'?: "dualClip";
  '_kl'?: "kl";
}
