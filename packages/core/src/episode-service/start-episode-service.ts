import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type ToolCallParser, type Workflow } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import { EpisodeBoard } from './episode-board.ts';
import { EpisodeServiceServer } from './episode-service-server.ts';

export interface RunningEpisodeService {
  url: string;
  /** `episode-service.json` in the experiment folder: the URL and the token (mode 0600). */
  infoFile: string;
  /** The workflow of every episode while the service runs: it offers the episode to clients. */
  createWorkflow: () => Workflow;
  /** The run is over: clients' claims answer `finished`, then the server closes. */
  close: () => Promise<void>;
}

/** Starts `episode_service` for a run (`ajet --serve-episodes`): the board of offered episodes and its HTTP server. */
export async function startEpisodeService(options: {
  config: AjetConfig;
  experimentDir: string;
  model: string;
  toolCallParser?: ToolCallParser;
  env: NodeJS.ProcessEnv;
  warn: (message: string) => void;
}): Promise<RunningEpisodeService> {
  const { config } = options;
  const settings = config.episodeService;
  const token = options.env[settings.tokenEnv] || randomBytes(24).toString('hex');
  const board = new EpisodeBoard({ episodeTimeoutMs: config.rollout.episodeTimeoutS * 1000, warn: options.warn });
  const server = new EpisodeServiceServer({
    board,
    token,
    host: settings.host,
    port: settings.port,
    publicUrl: settings.publicUrl ?? undefined,
    model: options.model,
    toolCallParser: options.toolCallParser,
    maxSteps: config.rollout.multiTurn.maxSteps,
  });
  let url: string;
  try {
    url = await server.start();
  } catch (error) {
    throw new ConfigError(
      `episode service cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`,
      {
        code: 'EPISODE_SERVICE_LISTEN',
        keyPath: 'ajet.episode_service.port',
        hint: 'pick another port with --port (0: any free port)',
        cause: error,
      },
    );
  }
  const infoFile = join(options.experimentDir, 'episode-service.json');
  await writeFile(infoFile, `${JSON.stringify({ url, token, token_env: settings.tokenEnv }, null, 2)}\n`, {
    mode: 0o600,
  });
  return {
    url,
    infoFile,
    createWorkflow: () => board.createWorkflow(),
    close: async () => {
      board.finish();
      await server.close();
    },
  };
}
