import { describe, expect, it } from 'vitest';
import { generatedAndCommitted } from './generate-wire-types.ts';

describe('src/generated (the wire types)', () => {
  it('is what proto-loader-gen-types makes of backend.proto today: run `pnpm gen:proto` after editing the proto', async () => {
    const { fresh, committed } = await generatedAndCommitted();
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, text] of fresh) expect(committed.get(file), file).toBe(text);
  }, 30_000);
});
