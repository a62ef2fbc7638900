import { type BackboneFactory, ConfigError, type PluginManifest } from '@ajet/spec';

/** `backbones.tinker` as the config hands it over (camelCase, already checked by the config schema). */
interface TinkerSettings {
  baseUrl: string;
  apiKeyEnv: string;
  baseModel: string;
  loraRank: number;
  maxModelLen: number;
  tokenizerPath: string | null;
  deadlineS: number;
  protobufForwardBackward: boolean;
}

function tinkerSettings(settings: Readonly<Record<string, unknown>>): TinkerSettings {
  const text = (value: unknown, fallback: string) => (typeof value === 'string' && value !== '' ? value : fallback);
  const number = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);
  return {
    baseUrl: text(settings.baseUrl, 'https://tinker.thinkingmachines.dev/services/tinker-prod'),
    apiKeyEnv: text(settings.apiKeyEnv, 'TINKER_API_KEY'),
    baseModel: text(settings.baseModel, 'Qwen/Qwen3-8B'),
    loraRank: number(settings.loraRank, 32),
    maxModelLen: number(settings.maxModelLen, 32768),
    tokenizerPath: typeof settings.tokenizerPath === 'string' ? settings.tokenizerPath : null,
    deadlineS: number(settings.deadlineS, 600),
    protobufForwardBackward: settings.protobufForwardBackward === true,
  };
}

/** `backbone: tinker`: the Tinker API at `backbones.tinker.base_url` (hosted Tinker or a compatible server). */
export const manifest: PluginManifest = [
  {
    kind: 'backbone',
    name: 'tinker',
    summary: 'the Tinker training API (hosted, or a self-hosted Tinker-compatible server) at backbones.tinker.base_url',
    load: async (): Promise<BackboneFactory> => {
      const [{ TinkerBackbone }, { TinkerClient }, { ChatTokenizer, qwen3TokenizerFolder }] = await Promise.all([
        import('./tinker-backbone.ts'),
        import('./tinker-client.ts'),
        import('./chat-tokenizer.ts'),
      ]);
      return async (settings, context) => {
        const tinker = tinkerSettings(settings);
        // The shipped tokenizer is Qwen3's (hybrid thinking template); any other model brings its own files.
        if (tinker.tokenizerPath === null && !/^Qwen\/Qwen3-\d+(\.\d+)?B(-Base)?$/.test(tinker.baseModel)) {
          throw new ConfigError(`backbones.tinker.base_model ${tinker.baseModel} needs its own tokenizer files`, {
            code: 'CONFIG_INVALID',
            keyPath: 'ajet.backbones.tinker.tokenizer_path',
            hint: 'Set tokenizer_path to a folder with its tokenizer.json and tokenizer_config.json (as downloaded from Hugging Face).',
          });
        }
        const tokenizer = await ChatTokenizer.fromFolder({
          folder: tinker.tokenizerPath ?? qwen3TokenizerFolder(),
          name: tinker.tokenizerPath ?? tinker.baseModel,
        });
        const client = new TinkerClient({
          baseUrl: tinker.baseUrl,
          apiKey: context.env[tinker.apiKeyEnv] || undefined,
          apiKeyEnv: tinker.apiKeyEnv,
          deadlineMs: tinker.deadlineS * 1000,
        });
        const backbone = new TinkerBackbone({
          client,
          baseModel: tinker.baseModel,
          loraRank: tinker.loraRank,
          seed: context.seed,
          protobufForwardBackward: tinker.protobufForwardBackward,
          maxModelLen: tinker.maxModelLen,
          tokenizer,
        });
        // Fail before any rollout when the key or the server is wrong (this creates the session and LoRA model).
        await backbone.getInfo();
        return {
          backbone,
          description: `tinker ${tinker.baseUrl} (${tinker.baseModel}, LoRA rank ${tinker.loraRank})`,
        };
      };
    },
  },
];
