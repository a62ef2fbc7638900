// Backbones for the conformance suite (@ajet/backbone-kit/conformance): in process, or behind `serveBackbone`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone, serveBackbone } from '@ajet/backbone-grpc';
import type { BackboneUnderTest } from '@ajet/backbone-kit/conformance';
import type { Backbone } from '@ajet/spec';

export function inProcess(name: string, make: () => Promise<Backbone>): BackboneUnderTest {
  return { name, create: async () => ({ backbone: await make() }) };
}

/** The backbone `make` gives, served on loopback by `serveBackbone` (`ajet serve`) and reached by GrpcBackbone. */
export function served(
  name: string,
  make: () => Promise<Backbone>,
  options: { token?: string; deadlineMs?: number } = {},
): BackboneUnderTest {
  return {
    name,
    create: async () => {
      const inner = await make();
      const stateRoot = mkdtempSync(join(tmpdir(), 'ajet-conformance-root-'));
      const { token } = options;
      const server = await serveBackbone({ backbone: inner, host: '127.0.0.1', port: 0, token, stateRoot });
      const backbone = new GrpcBackbone({ address: server.address, token, deadlineMs: options.deadlineMs ?? 30_000 });
      return {
        backbone,
        dispose: async () => {
          await server.shutdown();
          await inner.close();
        },
      };
    },
  };
}
