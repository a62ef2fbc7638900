import { defineBackboneAgreement, defineBackboneConformance, runCallScript } from '@ajet/backbone-kit/conformance';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { inProcess, served } from './helpers/backbones-under-test.ts';

const recording = async () => new RecordingBackbone();

defineBackboneConformance(inProcess('RecordingBackbone in process', recording));
// A short context, so that the check of a prompt that fills it stays small.
defineBackboneConformance(
  served('RecordingBackbone over gRPC', async () => new RecordingBackbone({ maxModelLen: 4096 })),
);

describe('RecordingBackbone in process and over gRPC agree', () => {
  defineBackboneAgreement({
    local: inProcess('in process', recording),
    remote: served('over gRPC', recording, { token: 'secret' }),
  });

  it('the server hands the backbone the same requests the client was given', async () => {
    const local = new RecordingBackbone();
    const remoteInner = new RecordingBackbone();
    const { backbone, dispose } = await served('over gRPC', async () => remoteInner).create();
    try {
      await runCallScript(local);
      await runCallScript(backbone);
      // Losses and tools included.
      expect(remoteInner.forwardBackwardCalls).toEqual(local.forwardBackwardCalls);
      expect(remoteInner.renderCalls).toEqual(local.renderCalls);
      // `n` left out means 1; the wire always carries it.
      const withN = (calls: RecordingBackbone['sampleCalls']) => calls.map((call) => ({ ...call, n: call.n ?? 1 }));
      expect(withN(remoteInner.sampleCalls)).toEqual(withN(local.sampleCalls));
    } finally {
      await backbone.close();
      await dispose?.();
    }
  });
});
