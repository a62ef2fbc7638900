import { type BackboneFactory, ConfigError, type PluginManifest } from '@ajet/spec';

/** `backbones.grpc` as the config hands it over (camelCase, already checked by the config schema). */
interface GrpcSettings {
  address: string;
  tokenEnv: string;
  tls: boolean;
  deadlineS: number;
}

function grpcSettings(settings: Readonly<Record<string, unknown>>): GrpcSettings {
  const { address, tokenEnv, tls, deadlineS } = settings;
  if (typeof address !== 'string' || address === '') {
    throw new ConfigError('backbones.grpc.address is missing', {
      code: 'CONFIG_INVALID',
      keyPath: 'ajet.backbones.grpc.address',
      hint: 'Set it to the host:port of an ajet.v1.Backend server (ajet serve prints it).',
    });
  }
  return {
    address,
    tokenEnv: typeof tokenEnv === 'string' ? tokenEnv : 'AJET_BACKEND_TOKEN',
    tls: tls === true,
    deadlineS: typeof deadlineS === 'number' ? deadlineS : 600,
  };
}

/** `backbone: grpc`: any ajet.v1.Backend server (`ajet serve`, the Python GPU backend) at `backbones.grpc.address`. */
export const manifest: PluginManifest = [
  {
    kind: 'backbone',
    name: 'grpc',
    summary: 'a remote ajet.v1.Backend server at backbones.grpc.address (ajet serve, the Python GPU backend)',
    load: async (): Promise<BackboneFactory> => {
      const { GrpcBackbone } = await import('./grpc-backbone.ts');
      return async (settings, context) => {
        const grpc = grpcSettings(settings);
        const backbone = new GrpcBackbone({
          address: grpc.address,
          token: context.env[grpc.tokenEnv] || undefined,
          tls: grpc.tls,
          deadlineMs: grpc.deadlineS * 1000,
        });
        // Fail before any rollout when the server is not there.
        const info = await backbone.getInfo();
        return { backbone, description: `grpc ${grpc.address} (model ${info.model})` };
      };
    },
  },
];
