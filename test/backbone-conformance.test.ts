import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GrpcBackbone, serveBackbone } from '../packages/backbone-grpc/src/index.ts';
import type { Backbone } from '../packages/spec/src/index.ts';
import { RecordingBackbone } from '../packages/spec/src/test/index.ts';
import {
  type BackboneUnderTest,
  defineBackboneConformance,
  runCallScript,
} from './conformance/backbone-conformance.ts';

async function served(backbone: Backbone): Promise<BackboneUnderTest> {
  const stateRoot = mkdtempSync(join(tmpdir(), 'ajet-conformance-root-'));
  const server = await serveBackbone({ backbone, host: '127.0.0.1', port: 0, stateRoot });
  return {
    backbone: new GrpcBackbone({ address: server.address, deadlineMs: 5_000 }),
    dispose: async () => {
      await server.shutdown();
      await backbone.close();
    },
  };
}

defineBackboneConformance({
  name: 'RecordingBackbone in process',
  create: async () => ({ backbone: new RecordingBackbone() }),
});
defineBackboneConformance({
  name: 'RecordingBackbone over gRPC',
  // A short context, so that the check of a prompt that fills it stays small.
  create: () => served(new RecordingBackbone({ maxModelLen: 4096 })),
});

describe('in process and over gRPC agree', () => {
  it('gives identical results for the same calls', async () => {
    const local = new RecordingBackbone();
    const remoteInner = new RecordingBackbone();
    const remote = await served(remoteInner);
    try {
      const expected = await runCallScript(local);
      const actual = await runCallScript(remote.backbone);
      expect(actual).toEqual(expected);
      // The server handed the backbone the same requests, losses and tools included.
      expect(remoteInner.forwardBackwardCalls).toEqual(local.forwardBackwardCalls);
      expect(remoteInner.renderCalls).toEqual(local.renderCalls);
      // `n` left out means 1; the wire always carries it.
      const withN = (calls: RecordingBackbone['sampleCalls']) => calls.map((call) => ({ ...call, n: call.n ?? 1 }));
      expect(withN(remoteInner.sampleCalls)).toEqual(withN(local.sampleCalls));
    } finally {
      await remote.backbone.close();
      await remote.dispose?.();
    }
  });
});
