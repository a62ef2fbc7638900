import { defineBackboneAgreement, defineBackboneConformance } from '@ajet/backbone-kit/conformance';
import { createTinyLm } from '@ajet/tinylm';
import { describe } from 'vitest';
import { inProcess, served } from './helpers/backbones-under-test.ts';

const tinylm = () => createTinyLm({ modelPath: 'builtin:tinylm-calculator', seed: 5 });

defineBackboneConformance(inProcess('tinylm in process', tinylm));
defineBackboneConformance(served('tinylm over gRPC (ajet serve)', tinylm, { token: 'secret' }));

describe('tinylm in process and over gRPC agree', () => {
  defineBackboneAgreement({ local: inProcess('in process', tinylm), remote: served('over gRPC', tinylm) });
});
