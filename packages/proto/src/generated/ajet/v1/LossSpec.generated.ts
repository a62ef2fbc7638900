// Original file: ajet/v1/backend.proto

import type { WireCrossEntropyLoss as Wire_ajet_v1_CrossEntropyLoss, WireCrossEntropyLossDecoded as Wire_ajet_v1_CrossEntropyLossDecoded } from '../../ajet/v1/CrossEntropyLoss.generated.ts';
import type { WirePpoLoss as Wire_ajet_v1_PpoLoss, WirePpoLossDecoded as Wire_ajet_v1_PpoLossDecoded } from '../../ajet/v1/PpoLoss.generated.ts';
import type { WireImportanceSamplingLoss as Wire_ajet_v1_ImportanceSamplingLoss, WireImportanceSamplingLossDecoded as Wire_ajet_v1_ImportanceSamplingLossDecoded } from '../../ajet/v1/ImportanceSamplingLoss.generated.ts';

export interface WireLossSpec {
  'crossEntropy'?: (Wire_ajet_v1_CrossEntropyLoss | null);
  'ppo'?: (Wire_ajet_v1_PpoLoss | null);
  'importanceSampling'?: (Wire_ajet_v1_ImportanceSamplingLoss | null);
  'loss'?: "crossEntropy"|"ppo"|"importanceSampling";
}

export interface WireLossSpecDecoded {
  'crossEntropy'?: (Wire_ajet_v1_CrossEntropyLossDecoded | null);
  'ppo'?: (Wire_ajet_v1_PpoLossDecoded | null);
  'importanceSampling'?: (Wire_ajet_v1_ImportanceSamplingLossDecoded | null);
  'loss'?: "crossEntropy"|"ppo"|"importanceSampling";
}
