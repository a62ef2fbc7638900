import type { BackboneContext, BackboneFactory } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeTinkers, fakeTinker } from '../test-fixtures/fake-tinker.ts';
import { manifest } from './manifest.ts';
import { tinkerEndpoints } from './protocol.ts';

afterEach(closeFakeTinkers);

function context(env: Record<string, string>): BackboneContext {
  return { modelPath: 'unused', seed: 7, trainThreads: 1, sampleThreads: 0, configDir: '.', cwd: '.', env };
}

async function factory(): Promise<BackboneFactory> {
  const entry = manifest.find((item) => item.kind === 'backbone' && item.name === 'tinker');
  return (await entry?.load()) as BackboneFactory;
}

describe('backbone: tinker from backbones.tinker', () => {
  it('builds the backbone with the shipped Qwen3 tokenizer and the key from the environment', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.createSession]: () => ({ body: { session_id: 's' } }),
      [tinkerEndpoints.createModel]: () => ({ body: { request_id: 'm' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({ body: { model_id: 'model-1' } }),
    });
    const create = await factory();
    const created = await create(
      { baseUrl: fake.baseUrl, apiKeyEnv: 'MY_TINKER_KEY', baseModel: 'Qwen/Qwen3-8B', loraRank: 4, deadlineS: 5 },
      context({ MY_TINKER_KEY: 'tml-abc' }),
    );
    expect(created.description).toBe(`tinker ${fake.baseUrl} (Qwen/Qwen3-8B, LoRA rank 4)`);
    const rendered = await created.backbone.renderChat({ messages: [{ role: 'user', content: 'hi' }] });
    expect(rendered.tokenIds.slice(0, 3)).toEqual([151644, 872, 198]); // <|im_start|>user\n
    expect(fake.seen[1]?.body).toMatchObject({ base_model: 'Qwen/Qwen3-8B', lora_config: { rank: 4, seed: 7 } });
    expect(fake.seen.map((request) => request.apiKey)).toEqual(['tml-abc', 'tml-abc', 'tml-abc']);
    await created.backbone.close();
  }, 30_000);

  it('a model other than Qwen3 without tokenizer_path: one line naming the key', async () => {
    const create = await factory();
    await expect(
      create({ baseModel: 'meta-llama/Llama-3.1-8B', baseUrl: 'http://127.0.0.1:9' }, context({})),
    ).rejects.toThrow(/ajet\.backbones\.tinker\.tokenizer_path: .*Llama-3\.1-8B needs its own tokenizer files/);
  });
});
