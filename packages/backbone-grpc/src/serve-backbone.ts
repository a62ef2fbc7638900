import { timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import {
  backendErrorCodes,
  errorDetailOf,
  folderDamage,
  STATE_MANIFEST,
  sampleChatInParts,
  sealFolder,
} from '@ajet/backbone-kit';
import {
  bytesToInt32,
  encodeErrorDetail,
  errorDetailMetadataKey,
  int32ToBytes,
  loadBackend,
  type WireDetokenizeRequestDecoded,
  type WireForwardBackwardRequestDecoded,
  type WireOptimStepRequestDecoded,
  type WireRenderChatRequestDecoded,
  type WireSampleChatRequestDecoded,
  type WireSampleRequestDecoded,
  type WireStateRequestDecoded,
  type WireStateResponse,
} from '@ajet/proto';
import {
  type Backbone,
  BackboneError,
  BackboneRequestError,
  type BackboneRequestLimits,
  checkDetokenizeRequest,
  checkForwardBackwardRequest,
  checkOptimStepRequest,
  checkRenderChatRequest,
  checkSampleChatRequest,
  checkSampleRequest,
} from '@ajet/spec';
import * as grpc from '@grpc/grpc-js';
import {
  completionToWire,
  forwardBackwardSamplesFromWire,
  lossFromWire,
  renderChatFromWire,
  sampleChatFromWire,
  sampleChatResponseToWire,
  sampleFromWire,
} from './internal/convert.ts';
import { stateFolder } from './internal/state-root.ts';

export interface ServeBackboneOptions {
  backbone: Backbone;
  host: string;
  /** 0 picks a free port; the handle's `address` says which. */
  port: number;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  token?: string;
  /** PEM key and certificate for TLS; plaintext without. */
  tls?: { key: Buffer; cert: Buffer };
  /**
   * The folder SaveState/LoadState names are under (a client names `run-1/step-3`, never a path). Without it the
   * server refuses both.
   */
  stateRoot?: string;
}

export interface BackboneServer {
  /** `host:port` as bound. */
  address: string;
  /** Non-fatal problems found at start (e.g. a non-loopback host without a token). */
  warnings: string[];
  /**
   * Stops taking calls, finishes the calls in flight, then resolves; calls still running after `graceMs`
   * (default 30 000) are cancelled. Does not close the backbone.
   */
  shutdown(options?: { graceMs?: number }): Promise<void>;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function tokenMatches(metadata: grpc.Metadata, token: string): boolean {
  const [header] = metadata.get('authorization');
  if (typeof header !== 'string') return false;
  const given = Buffer.from(header);
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The gRPC status for what a handler threw; a coded error carries its ErrorDetail (backend.proto) in the trailer. */
function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  const detail = errorDetailOf(error);
  if (!detail) {
    const message = error instanceof Error ? error.message : String(error);
    return { code: grpc.status.INTERNAL, details: `backbone failed: ${message}`, metadata };
  }
  metadata.set(errorDetailMetadataKey, encodeErrorDetail(detail));
  const code =
    error instanceof BackboneRequestError
      ? grpc.status.INVALID_ARGUMENT
      : detail.retryable
        ? grpc.status.UNAVAILABLE
        : grpc.status.FAILED_PRECONDITION;
  return { code, details: (error as Error).message, metadata };
}

/**
 * Serves any Backbone as the `ajet.v1.Backend` gRPC service. Samples stream one message per completion.
 */
export async function serveBackbone(options: ServeBackboneOptions): Promise<BackboneServer> {
  const { backbone, host, token } = options;
  const { service } = loadBackend();
  const warnings: string[] = [];
  if (!token && !loopbackHosts.has(host))
    warnings.push(
      `serving the backbone on ${host} without a token: anyone who can reach it can sample and train; pass --token.`,
    );

  const authorized = (metadata: grpc.Metadata): boolean => !token || tokenMatches(metadata, token);
  const unauthenticated = {
    code: grpc.status.UNAUTHENTICATED,
    details: 'missing or wrong bearer token; pass the token the server was started with',
  };

  function unary<Request, Response>(
    handle: (request: Request) => Promise<Response>,
  ): grpc.handleUnaryCall<Request, Response> {
    return (call, callback) => {
      if (!authorized(call.metadata)) {
        callback(unauthenticated);
        return;
      }
      handle(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
    };
  }

  const sample: grpc.handleServerStreamingCall<WireSampleRequestDecoded, object> = (call) => {
    if (!authorized(call.metadata)) {
      call.emit('error', unauthenticated);
      return;
    }
    const request = sampleFromWire(call.request);
    requestLimits()
      .then((limits) => {
        checkSampleRequest(request, limits);
        return backbone.sample(request);
      })
      .then(
        (response) => {
          response.completions.forEach((completion, index) => {
            call.write(completionToWire({ completion, index, policyVersion: response.policyVersion }));
          });
          call.end();
        },
        (error: unknown) => call.emit('error', toServiceError(error)),
      );
  };

  const parseParameters = (badTools: string[]) => (json: string, tool: string) => {
    try {
      return JSON.parse(json) as Record<string, unknown>;
    } catch {
      badTools.push(tool);
      return {};
    }
  };
  const checkTools = (tools: readonly { name: string }[], badTools: string[]) => {
    const [bad] = badTools;
    if (bad !== undefined)
      throw new BackboneRequestError(
        `tools[${tools.findIndex((tool) => tool.name === bad)}].parametersJson`,
        ` of tool "${bad.slice(0, 80)}" is not JSON`,
      );
  };
  // Capabilities do not change while serving; a failed getInfo is asked again next time.
  let limits: Promise<BackboneRequestLimits> | undefined;
  const requestLimits = (): Promise<BackboneRequestLimits> => {
    limits ??= backbone.getInfo().then(
      ({ capabilities }) => ({ maxModelLen: capabilities.maxModelLen, vocabSize: capabilities.vocabSize }),
      (error: unknown) => {
        limits = undefined;
        throw error;
      },
    );
    return limits;
  };
  const sampleChat = async (request: WireSampleChatRequestDecoded) => {
    const badTools: string[] = [];
    const parsed = sampleChatFromWire(request, parseParameters(badTools));
    checkTools(request.tools, badTools);
    const { maxModelLen, ...rest } = await requestLimits();
    checkSampleChatRequest(parsed, { maxModelLen, ...rest });
    if (backbone.sampleChat) return sampleChatResponseToWire(await backbone.sampleChat(parsed));
    const response = await sampleChatInParts({ backbone, request: parsed, maxModelLen });
    return sampleChatResponseToWire(response);
  };

  const requireStateRoot = (): string => {
    if (options.stateRoot) return options.stateRoot;
    throw new BackboneError('this server keeps no state: it was started without a state root', {
      code: backendErrorCodes.STATE_ROOT_MISSING,
      hint: 'Start `ajet serve` with --state-root DIR (serveBackbone: the stateRoot option).',
    });
  };

  const handlers: grpc.UntypedServiceImplementation = {
    GetInfo: unary(() => backbone.getInfo()),
    RenderChat: unary(async (request: WireRenderChatRequestDecoded) => {
      const badTools: string[] = [];
      const parsed = renderChatFromWire(request, parseParameters(badTools));
      checkTools(request.tools, badTools);
      checkRenderChatRequest(parsed, await requestLimits());
      const response = await backbone.renderChat(parsed);
      return { tokenIds: int32ToBytes(response.tokenIds) };
    }),
    Detokenize: unary(async (request: WireDetokenizeRequestDecoded) => {
      const parsed = { tokenIds: bytesToInt32(request.tokenIds) };
      checkDetokenizeRequest(parsed, await requestLimits());
      return backbone.detokenize(parsed);
    }),
    Sample: sample,
    SampleChat: unary(sampleChat),
    ForwardBackward: unary(async (request: WireForwardBackwardRequestDecoded) => {
      const loss = lossFromWire(request.loss ?? {});
      if (!loss) throw new BackboneRequestError('loss', ' is not set: send cross_entropy, ppo or importance_sampling');
      const forward = {
        samples: forwardBackwardSamplesFromWire(request),
        loss,
        lossScale: request.lossScale,
        temperature: request.temperature,
      };
      checkForwardBackwardRequest(forward, await requestLimits());
      return backbone.forwardBackward(forward);
    }),
    OptimStep: unary(async (request: WireOptimStepRequestDecoded) => {
      checkOptimStepRequest(request);
      return backbone.optimStep(request);
    }),
    SaveState: unary(async (request: WireStateRequestDecoded): Promise<WireStateResponse> => {
      const root = requireStateRoot();
      const path = await stateFolder({ root, name: request.name });
      // Checked before saving, so a bad name to remove fails the call before anything is written.
      const removed = await Promise.all((request.remove ?? []).map((name) => stateFolder({ root, name })));
      await backbone.saveState({ path, includeOptimizer: request.includeOptimizer });
      await sealFolder({ folder: path, manifest: STATE_MANIFEST });
      for (const folder of removed) if (folder !== path) await rm(folder, { recursive: true, force: true });
      return { path };
    }),
    LoadState: unary(async (request: WireStateRequestDecoded): Promise<WireStateResponse> => {
      const path = await stateFolder({ root: requireStateRoot(), name: request.name });
      const damage = await folderDamage({ folder: path, manifest: STATE_MANIFEST });
      if (damage) {
        throw new BackboneError(`state ${request.name} is damaged: ${damage}`, {
          code: backendErrorCodes.STATE_DAMAGED,
          hint: 'Load an older state; the trainer’s --resume does so by itself.',
        });
      }
      await backbone.loadState({ path, includeOptimizer: request.includeOptimizer });
      return { path };
    }),
  };

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 * 1024 * 1024 });
  server.addService(service, handlers);
  const credentials = options.tls
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: options.tls.key, cert_chain: options.tls.cert }])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${formatHost(host)}:${options.port}`, credentials, (error, boundPort) => {
      if (error)
        reject(
          new BackboneError(`cannot listen on ${host}:${options.port}: ${error.message}`, {
            code: 'GRPC_BIND_FAILED',
            hint: 'Pick a free port or another --host.',
            cause: error,
          }),
        );
      else resolve(boundPort);
    });
  });
  const address = `${formatHost(host)}:${port}`;
  return {
    address,
    warnings,
    shutdown: (shutdownOptions = {}) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), shutdownOptions.graceMs ?? 30_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
