import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackboneError } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcBackbone } from './grpc-backbone.ts';
import { type BackboneServer, serveBackbone } from './serve-backbone.ts';

async function caught(promise: Promise<unknown>): Promise<BackboneError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof BackboneError)) throw new Error(`expected a BackboneError, got ${String(error)}`);
  return error;
}

describe('SaveState and LoadState stay under the server’s state root', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function served(stateRoot?: string): Promise<{ client: GrpcBackbone; server: BackboneServer }> {
    const server = await serveBackbone({ backbone: new RecordingBackbone(), host: '127.0.0.1', port: 0, stateRoot });
    const client = new GrpcBackbone({ address: server.address, deadlineMs: 5_000 });
    cleanups.push(async () => {
      await client.close();
      await server.shutdown();
    });
    return { client, server };
  }

  it('saves by name under the root and answers the folder on the server', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'ajet-state-root-')), 'root');
    const { client, server } = await served(root);
    const saved = await client.saveState({ path: 'exp/run-1/step-3', includeOptimizer: true });
    expect(saved).toEqual({ path: join(root, 'exp/run-1/step-3'), server: server.address });
    expect(existsSync(join(root, 'exp/run-1/step-3', 'recording-backbone.json'))).toBe(true);
    await client.loadState({ path: 'exp/run-1/step-3', includeOptimizer: true });
    // Saved states are flushed and listed with sizes and hashes; a truncated one is refused by name.
    const params = join(root, 'exp/run-1/step-3', 'recording-backbone.json');
    expect(existsSync(join(root, 'exp/run-1/step-3', 'ajet-state-manifest.json'))).toBe(true);
    truncateSync(params, 2);
    const damaged = await caught(client.loadState({ path: 'exp/run-1/step-3', includeOptimizer: true }));
    expect(damaged.code).toBe('STATE_DAMAGED');
    expect(damaged.message).toContain('state exp/run-1/step-3 is damaged: recording-backbone.json has 2 bytes');
    // A later save deletes the earlier states the trainer pruned.
    await client.saveState({ path: 'exp/run-1/step-4', includeOptimizer: true, remove: ['exp/run-1/step-3'] });
    expect(readdirSync(join(root, 'exp/run-1'))).toEqual(['step-4']);
  });

  it('refuses absolute names, `..`, odd characters and symlinks out of the root, writing nothing outside', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ajet-state-escape-'));
    const root = join(parent, 'root');
    const outside = join(parent, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'link'));
    const { client } = await served(root);
    for (const name of [join(outside, 'abs'), '../outside/up', 'a/../../outside/x', '', 'a//b', 'a\\b', 'link/x']) {
      const error = await caught(client.saveState({ path: name, includeOptimizer: false }));
      expect(error.code, name).toBe('STATE_NAME_INVALID');
      const loadError = await caught(client.loadState({ path: name, includeOptimizer: false }));
      expect(loadError.code, name).toBe('STATE_NAME_INVALID');
      const removeError = await caught(client.saveState({ path: 'fine', includeOptimizer: false, remove: [name] }));
      expect(removeError.code, name).toBe('STATE_NAME_INVALID');
    }
    expect(existsSync(join(root, 'fine'))).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('a server started without a state root refuses both, saying how to give one', async () => {
    const { client } = await served(undefined);
    const error = await caught(client.saveState({ path: 'x', includeOptimizer: false }));
    expect(error.code).toBe('STATE_ROOT_MISSING');
    expect(error.message).toContain('without a state root');
  });
});
