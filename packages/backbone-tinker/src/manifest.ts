import { type BackboneFactory, ConfigError, type PluginManifest } from '@ajet/spec';

/** `backbone: tinker`: the Tinker HTTP API at `backbones.tinker.base_url` (hosted Tinker or a compatible server). */
export const manifest: PluginManifest = [
  {
    kind: 'backbone',
    name: 'tinker',
    summary:
      'the Tinker training API (hosted Tinker, or a self-hosted Tinker-compatible server) at backbones.tinker.base_url',
    load: async (): Promise<BackboneFactory> => {
      return async (settings) => {
        const baseModel = typeof settings.baseModel === 'string' ? settings.baseModel : '(unset)';
        // Tinker takes token ids; the base model's tokenizer and chat template must run here, and that is not built yet.
        throw new ConfigError(`backbone tinker: no TypeScript tokenizer/chat template for ${baseModel} yet`, {
          code: 'CONFIG_INVALID',
          keyPath: 'ajet.backbone',
          hint: 'Use TinkerBackbone from @ajet/backbone-tinker with your own TinkerTokenizer, or the grpc backbone.',
        });
      };
    },
  },
];
