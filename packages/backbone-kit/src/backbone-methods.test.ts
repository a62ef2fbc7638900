import { loadBackend } from '@ajet/proto';
import { describe, expect, it } from 'vitest';
import { backboneMethods, requiredBackboneMethods } from './backbone-methods.ts';

describe('backboneMethods', () => {
  it('names every RPC backend.proto declares, once', () => {
    const rpcs = backboneMethods.flatMap((method) => (method.rpc ? [method.rpc] : []));
    expect([...rpcs].sort()).toEqual(Object.keys(loadBackend().methods).sort());
  });

  it('requires every method but sampleChat (the fallback stands in)', () => {
    expect(requiredBackboneMethods).not.toContain('sampleChat');
    expect(requiredBackboneMethods).toHaveLength(backboneMethods.length - 1);
  });
});
