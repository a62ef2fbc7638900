import { manifest as grpc } from '@ajet/backbone-grpc/manifest';
import { manifest as tinker } from '@ajet/backbone-tinker/manifest';
import { manifest as core } from '@ajet/core/manifest';
import { manifest as envService } from '@ajet/env-service/manifest';
import { manifest as judges } from '@ajet/judges/manifest';
import { manifest as readers } from '@ajet/readers/manifest';
import { manifest as sinks } from '@ajet/sinks/manifest';
import type { BackboneFactory, PluginKind, PluginManifest, SinkFactory } from '@ajet/spec';
import { manifest as tinylm } from '@ajet/tinylm/manifest';
import { manifest as tools } from '@ajet/tools/manifest';
import { manifest as workflows } from '@ajet/workflows/manifest';

/** The CLI's own built-in: `console` in `trainer_common.logger`. */
const cli: PluginManifest = [
  {
    kind: 'metrics_sink',
    name: 'console',
    summary: 'a line per step and a validation table on stderr',
    // The CLI's console observer prints the lines (beside its progress bar) when `console` is listed; the sink
    // itself has nothing left to write.
    load: async (): Promise<SinkFactory> => () => ({ write: async () => {}, close: async () => {} }),
  },
];

/** `backbone: ray`: grpc-js to the Ray Serve application that `ajet ray up` deploys (docs/ray.md). */
const ray: PluginManifest = [
  {
    kind: 'backbone',
    name: 'ray',
    summary: "the Python backend on a Ray cluster (ajet ray up), through Serve's gRPC proxy at backbones.ray",
    load: async (): Promise<BackboneFactory> => {
      const { GrpcBackbone } = await import('@ajet/backbone-grpc');
      return async (settings, context) => {
        const { grpcHost, grpcPort, tokenEnv, deadlineS } = settings as {
          grpcHost: string;
          grpcPort: number;
          tokenEnv: string;
          deadlineS: number;
        };
        const address = `${grpcHost}:${grpcPort}`;
        const backbone = new GrpcBackbone({
          address,
          token: context.env[tokenEnv] || undefined,
          deadlineMs: deadlineS * 1000,
        });
        // Fail before any rollout when the application is not there (`ajet ray up` deploys it).
        const info = await backbone.getInfo();
        return { backbone, description: `ray ${address} (model ${info.model})` };
      };
    },
  },
];

/**
 * The one registry of built-in names: every package's manifest, composed here (choosing the plugin packages is the
 * CLI's job). Each entry's module loads only when its name is used.
 */
export const builtins: PluginManifest = [
  ...readers,
  ...workflows,
  ...judges,
  ...envService,
  ...tools,
  ...cli,
  ...core,
  ...sinks,
  ...tinylm,
  ...grpc,
  ...tinker,
  ...ray,
];

/** The built-in names of one kind, for help texts. */
export function builtinNames(kind: PluginKind): string[] {
  return builtins.filter((entry) => entry.kind === kind).map((entry) => entry.name);
}
