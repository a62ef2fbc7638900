import type { Backbone } from '@ajet/spec';
import { serveBackbone } from './serve-backbone.ts';

export interface ServeCommandOptions {
  /** e.g. `builtin:tinylm-calculator`; handed to `createBackbone`. */
  model: string;
  host: string;
  port: number;
  token?: string;
  /** Where SaveState/LoadState names live, on this machine (`ajet serve --state-root`). */
  stateRoot: string;
  createBackbone: (model: string) => Promise<Backbone>;
  /** Where status lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Resolves when the server should stop. Default: the first SIGTERM or SIGINT. */
  stopSignal?: Promise<unknown>;
}

function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * `ajet serve`: serves one backbone until SIGTERM/SIGINT, then finishes the calls in flight, closes the backbone
 * and resolves with exit code 0. Saves nothing on its own.
 */
export async function runServeCommand(options: ServeCommandOptions): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stopSignal = options.stopSignal ?? firstSignal();
  const backbone = await options.createBackbone(options.model);
  const server = await serveBackbone({
    backbone,
    host: options.host,
    port: options.port,
    token: options.token,
    stateRoot: options.stateRoot,
  });
  for (const warning of server.warnings) log(`warning: ${warning}`);
  log(`ajet serve: ${options.model} on ${server.address}`);
  log(`ajet serve: checkpoints (SaveState) go under ${options.stateRoot}`);
  const reason = await stopSignal;
  log(`ajet serve: ${typeof reason === 'string' ? reason : 'stop'}; finishing calls in flight`);
  await server.shutdown();
  await backbone.close();
  return 0;
}
