import {
  bytesToInt32,
  decodeForwardBackward,
  decodeOptimStep,
  decodeRenderChat,
  decodeSampleRequest,
  encodeForwardBackwardResponse,
  encodeInfo,
  encodeSampleResponse,
  int32ToBytes,
  loadBackendService,
  type WireForwardBackwardRequest,
  type WireOptimStepRequest,
  type WireRenderChatRequest,
  type WireSampleRequest,
  type WireStateRequest,
  type WireTokens,
} from '@ajet/proto';
import { type Backbone, isAjetError } from '@ajet/spec';
import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';

export interface ServeBackboneOptions {
  backbone: Backbone;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** When set, calls must carry `authorization: Bearer <token>`. */
  token?: string;
  /** Told about each served call's failure and the non-loopback warning. */
  log?: (line: string) => void;
}

export interface ServedBackbone {
  address: string;
  port: number;
  /** Stops accepting calls and waits for the ones in flight. */
  shutdown(): Promise<void>;
  /** Drops every connection at once. */
  kill(): void;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function toServiceError(error: unknown): ServiceError {
  const message = error instanceof Error ? error.message : String(error);
  const code = isAjetError(error) && error.blame === 'user' ? status.INVALID_ARGUMENT : status.INTERNAL;
  return Object.assign(new Error(message), { code, details: message, metadata: undefined as never }) as ServiceError;
}

/**
 * Serves any in-process Backbone as ajet.v1.Backend (what `ajet serve` runs). Calls are handled one at a time, in
 * arrival order, as the in-process backbone expects; concurrency comes from the many episodes waiting.
 */
export async function serveBackbone(options: ServeBackboneOptions): Promise<ServedBackbone> {
  const { backbone, token } = options;
  const host = options.host ?? '127.0.0.1';
  if (!token && !LOOPBACK.has(host)) {
    options.log?.(`warning: serving on ${host} without --token: anyone who can reach it can sample and train`);
  }
  const { definition } = loadBackendService();
  let queue: Promise<unknown> = Promise.resolve();
  const handle =
    <Request, Response>(work: (request: Request) => Promise<Response>) =>
    (call: ServerUnaryCall<Request, Response>, callback: sendUnaryData<Response>) => {
      if (token && call.metadata.get('authorization')[0] !== `Bearer ${token}`) {
        callback(
          Object.assign(new Error('missing or wrong token'), { code: status.UNAUTHENTICATED }) as ServiceError,
          null,
        );
        return;
      }
      const run = queue.then(() => work(call.request));
      queue = run.catch(() => undefined);
      run.then(
        (response) => callback(null, response),
        (error: unknown) => {
          options.log?.(`call failed: ${error instanceof Error ? error.message : String(error)}`);
          callback(toServiceError(error), null);
        },
      );
    };
  const implementation: UntypedServiceImplementation = {
    GetInfo: handle(async () => encodeInfo(await backbone.getInfo())),
    RenderChat: handle(
      async (request: WireRenderChatRequest): Promise<WireTokens> => ({
        token_ids: int32ToBytes((await backbone.renderChat(decodeRenderChat(request))).tokenIds),
      }),
    ),
    Detokenize: handle(async (request: WireTokens) => ({
      pieces: (await backbone.detokenize({ tokenIds: bytesToInt32(request.token_ids) })).pieces,
    })),
    Sample: handle(async (request: WireSampleRequest) =>
      encodeSampleResponse(await backbone.sample(decodeSampleRequest(request))),
    ),
    ForwardBackward: handle(async (request: WireForwardBackwardRequest) =>
      encodeForwardBackwardResponse(await backbone.forwardBackward(decodeForwardBackward(request))),
    ),
    OptimStep: handle(async (request: WireOptimStepRequest) => {
      const response = await backbone.optimStep(decodeOptimStep(request));
      return { policy_version: response.policyVersion, grad_norm: response.gradNorm };
    }),
    SaveState: handle(async (request: WireStateRequest) => {
      await backbone.saveState({ path: request.path, includeOptimizer: Boolean(request.include_optimizer) });
      return {};
    }),
    LoadState: handle(async (request: WireStateRequest) => {
      await backbone.loadState({ path: request.path, includeOptimizer: Boolean(request.include_optimizer) });
      return {};
    }),
  };
  const server = new Server({
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    'grpc.max_send_message_length': 256 * 1024 * 1024,
  });
  server.addService(definition, implementation);
  const bindHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
  return {
    address: `${bindHost}:${port}`,
    port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
      }),
    kill: () => server.forceShutdown(),
  };
}
