// Original file: ajet/v1/backend.proto

import type { WireTrainingSample as Wire_ajet_v1_TrainingSample, WireTrainingSampleDecoded as Wire_ajet_v1_TrainingSampleDecoded } from '../../ajet/v1/TrainingSample.generated.ts';
import type { WireLossSpec as Wire_ajet_v1_LossSpec, WireLossSpecDecoded as Wire_ajet_v1_LossSpecDecoded } from '../../ajet/v1/LossSpec.generated.ts';

export interface WireForwardBackwardRequest {
  'samples'?: (Wire_ajet_v1_TrainingSample)[];
  'loss'?: (Wire_ajet_v1_LossSpec | null);
  /**
   * Unset means 1.
   */
  'lossScale'?: (number | string);
  /**
   * The sampling temperature: logits are divided by it before the log-softmax. Unset means 1.
   */
  'temperature'?: (number | string);
  '_lossScale'?: "lossScale";
  '_temperature'?: "temperature";
}

export interface WireForwardBackwardRequestDecoded {
  'samples': (Wire_ajet_v1_TrainingSampleDecoded)[];
  'loss': (Wire_ajet_v1_LossSpecDecoded | null);
  /**
   * Unset means 1.
   */
  'lossScale'?: (number);
  /**
   * The sampling temperature: logits are divided by it before the log-softmax. Unset means 1.
   */
  'temperature'?: (number);
  '_lossScale'?: "lossScale";
  '_temperature'?: "temperature";
}
