import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone, serveBackbone } from '@ajet/backbone-grpc';
import type { Backbone } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { createTinyLm } from '@ajet/tinylm';
import { describe, expect, it } from 'vitest';
import { type BackboneUnderTest, conformanceChecks } from './conformance/backbone-suite.ts';

const inProcess = (name: string, make: () => Promise<Backbone>): BackboneUnderTest => ({
  name,
  create: async () => {
    const backbone = await make();
    return { backbone, dispose: () => backbone.close() };
  },
});

/** The same backbone behind `serveBackbone` on loopback, reached through GrpcBackbone. */
const served = (name: string, make: () => Promise<Backbone>): BackboneUnderTest => ({
  name,
  create: async () => {
    const inner = await make();
    const stateRoot = mkdtempSync(join(tmpdir(), 'ajet-conformance-root-'));
    const server = await serveBackbone({ backbone: inner, host: '127.0.0.1', port: 0, token: 'secret', stateRoot });
    const backbone = new GrpcBackbone({ address: server.address, token: 'secret', deadlineMs: 30_000 });
    return {
      backbone,
      dispose: async () => {
        await backbone.close();
        await server.shutdown();
      },
    };
  },
});

const tinylm = () => createTinyLm({ modelPath: 'builtin:tinylm-calculator', seed: 5 });
const recording = async () =>
  new RecordingBackbone({ respond: ({ index, callNumber }) => `reply ${callNumber}.${index}` });

const pairs: [BackboneUnderTest, BackboneUnderTest][] = [
  [inProcess('tinylm in process', tinylm), served('tinylm over gRPC', tinylm)],
  [inProcess('recording in process', recording), served('recording over gRPC', recording)],
];

describe.each(pairs)('backbone conformance: %s vs %s', (local, remote) => {
  it('passes every check, with identical results in process and over gRPC', async () => {
    const results: Record<string, unknown>[] = [];
    for (const subject of [local, remote]) {
      const { backbone, dispose } = await subject.create();
      try {
        const observed: Record<string, unknown> = {};
        observed.info = await conformanceChecks.info(backbone);
        observed.rendering = await conformanceChecks.incrementalRendering(backbone);
        observed.sampling = await conformanceChecks.sampling(backbone);
        observed.sampleChat = await conformanceChecks.sampleChat(backbone);
        if (!subject.name.startsWith('recording')) {
          observed.training = await conformanceChecks.training(backbone);
          const fresh = (await subject.create()).backbone;
          await conformanceChecks.saveAndLoad(
            fresh,
            fresh.stateStore === 'server'
              ? 'conformance/state'
              : join(mkdtempSync(join(tmpdir(), 'ajet-conformance-')), 'state'),
          );
        }
        results.push(observed);
      } finally {
        await dispose();
      }
    }
    const [a, b] = results;
    expect(b?.rendering).toEqual(a?.rendering);
    // float32 on the wire: logprobs agree to float32 precision.
    const round = (value: unknown) =>
      JSON.parse(JSON.stringify(value, (_key, item) => (typeof item === 'number' ? Math.fround(item) : item)));
    expect(round(b?.sampling)).toEqual(round(a?.sampling));
    expect(round(b?.sampleChat)).toEqual(round(a?.sampleChat));
    if (a?.training) {
      const lossA = (a.training as { loss: number }).loss;
      const lossB = (b?.training as { loss: number } | undefined)?.loss ?? Number.NaN;
      expect(Math.abs(lossA - lossB)).toBeLessThan(1e-5);
    }
  }, 120_000);
});
