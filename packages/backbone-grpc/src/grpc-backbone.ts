import { setTimeout as sleep } from 'node:timers/promises';
import { errorFromDetail, sampleChatInParts } from '@ajet/backbone-kit';
import {
  type BackendMethodName,
  bytesToInt32,
  decodeErrorDetail,
  errorDetailMetadataKey,
  int32ToBytes,
  loadBackend,
  type WireDetokenizeResponseDecoded,
  type WireForwardBackwardResponseDecoded,
  type WireGetInfoResponseDecoded,
  type WireOptimStepResponseDecoded,
  type WireRenderChatResponseDecoded,
  type WireSampleChatResponseDecoded,
  type WireSampleChunkDecoded,
  type WireStateRequest,
  type WireStateResponseDecoded,
} from '@ajet/proto';
import type {
  Backbone,
  BackboneInfo,
  DetokenizeRequest,
  DetokenizeResponse,
  ForwardBackwardRequest,
  ForwardBackwardResponse,
  OptimStepRequest,
  OptimStepResponse,
  RenderChatRequest,
  RenderChatResponse,
  SampleChatRequest,
  SampleChatResponse,
  SampleRequest,
  SampleResponse,
  SavedState,
  StateRequest,
} from '@ajet/spec';
import { BackboneError } from '@ajet/spec';
import * as grpc from '@grpc/grpc-js';
import {
  completionFromWire,
  forwardBackwardToWire,
  renderChatToWire,
  sampleChatResponseFromWire,
  sampleChatToWire,
  sampleToWire,
} from './internal/convert.ts';

export interface GrpcBackboneOptions {
  /** `host:port` of an `ajet.v1.Backend` server. */
  address: string;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  /** TLS with the system roots, or with a PEM root certificate; plaintext without. */
  tls?: boolean | { rootCert: Buffer };
  /** Deadline of each call, retries included. Default 60 000. */
  deadlineMs?: number;
  /** Extra attempts for calls that are safe to repeat, when the server is unavailable. Default 3. */
  retries?: number;
  /** Interval of HTTP/2 keepalive pings while calls are open. Default 30 000. */
  keepaliveMs?: number;
  /** A ping unanswered this long drops the connection. Default 10 000. */
  keepaliveTimeoutMs?: number;
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response?: object) => void,
) => grpc.ClientUnaryCall;

type StreamMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => grpc.ClientReadableStream<object>;

const retryBaseMs = 50;

/** The Backbone interface over an `ajet.v1.Backend` gRPC server. */
export class GrpcBackbone implements Backbone {
  readonly address: string;
  /** State lives on the server, under its --state-root. */
  readonly stateStore = 'server' as const;
  private readonly client: grpc.Client;
  private readonly token: string | undefined;
  private readonly deadlineMs: number;
  private readonly retries: number;
  /** Set once the server answered SampleChat with UNIMPLEMENTED. */
  private sampleChatMissing = false;
  private maxModelLen: number | undefined;

  constructor(options: GrpcBackboneOptions) {
    this.address = options.address;
    this.token = options.token;
    this.deadlineMs = options.deadlineMs ?? 60_000;
    this.retries = options.retries ?? 3;
    const { Client } = loadBackend();
    const credentials =
      options.tls === undefined || options.tls === false
        ? grpc.credentials.createInsecure()
        : grpc.credentials.createSsl(options.tls === true ? null : options.tls.rootCert);
    this.client = new Client(options.address, credentials, {
      'grpc.keepalive_time_ms': options.keepaliveMs ?? 30_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 10_000,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.enable_retries': 0,
    });
  }

  async getInfo(): Promise<BackboneInfo> {
    const info = (await this.unary({ method: 'GetInfo', request: {}, idempotent: true })) as WireGetInfoResponseDecoded;
    const vocabSize = info.capabilities?.vocabSize ?? 0;
    return {
      model: info.model,
      tokenizer: info.tokenizer,
      policyVersion: info.policyVersion,
      capabilities: {
        trainable: info.capabilities?.trainable ?? false,
        lora: info.capabilities?.lora ?? false,
        maxModelLen: info.capabilities?.maxModelLen ?? 0,
        ...(vocabSize > 0 ? { vocabSize } : {}),
      },
    };
  }

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    const response = (await this.unary({
      method: 'RenderChat',
      request: renderChatToWire(request),
      idempotent: true,
    })) as WireRenderChatResponseDecoded;
    return { tokenIds: bytesToInt32(response.tokenIds) };
  }

  async detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse> {
    const response = (await this.unary({
      method: 'Detokenize',
      request: { tokenIds: int32ToBytes(request.tokenIds) },
      idempotent: true,
    })) as WireDetokenizeResponseDecoded;
    return { pieces: response.pieces };
  }

  /** Retried only with a seed: without one a repeat would draw different completions. */
  async sample(request: SampleRequest): Promise<SampleResponse> {
    const wire = sampleToWire(request);
    const deadline = Date.now() + this.deadlineMs;
    const attempts = request.sampling.seed === undefined ? 1 : this.retries + 1;
    return this.withRetries({ method: 'Sample', attempts, deadline }, () => this.sampleOnce(wire, deadline));
  }

  /**
   * RenderChat and Sample in one round trip (retried only with a seed, as sample). A server that predates
   * SampleChat gets the two calls instead.
   */
  async sampleChat(request: SampleChatRequest): Promise<SampleChatResponse> {
    if (this.sampleChatMissing) return this.sampleChatInParts(request);
    const deadline = Date.now() + this.deadlineMs;
    const attempts = request.sampling.seed === undefined ? 1 : this.retries + 1;
    try {
      const response = (await this.unary({
        method: 'SampleChat',
        request: sampleChatToWire(request),
        attempts,
        deadline,
      })) as WireSampleChatResponseDecoded;
      return sampleChatResponseFromWire(response);
    } catch (error) {
      if (!(error instanceof BackboneError) || error.code !== 'GRPC_UNIMPLEMENTED') throw error;
      this.sampleChatMissing = true;
      return this.sampleChatInParts(request);
    }
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    const response = (await this.unary({
      method: 'ForwardBackward',
      request: forwardBackwardToWire(request),
      idempotent: false,
    })) as WireForwardBackwardResponseDecoded;
    return { loss: response.loss, metrics: { ...response.metrics } };
  }

  async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    const response = (await this.unary({
      method: 'OptimStep',
      request,
      idempotent: false,
    })) as WireOptimStepResponseDecoded;
    return { policyVersion: response.policyVersion, gradNorm: response.gradNorm };
  }

  /** `request.path` is a name under the server's state root; the answer is the folder on the server. */
  async saveState(request: StateRequest): Promise<SavedState> {
    const wire: WireStateRequest = {
      name: request.path,
      includeOptimizer: request.includeOptimizer,
      remove: [...(request.remove ?? [])],
    };
    const response = (await this.unary({
      method: 'SaveState',
      request: wire,
      idempotent: false,
    })) as WireStateResponseDecoded;
    return { path: response.path, server: this.address };
  }

  async loadState(request: StateRequest): Promise<void> {
    const wire: WireStateRequest = { name: request.path, includeOptimizer: request.includeOptimizer };
    await this.unary({ method: 'LoadState', request: wire, idempotent: true });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private async sampleChatInParts(request: SampleChatRequest): Promise<SampleChatResponse> {
    this.maxModelLen ??= (await this.getInfo()).capabilities.maxModelLen;
    return sampleChatInParts({ backbone: this, request, maxModelLen: this.maxModelLen });
  }

  private unary(options: {
    method: BackendMethodName;
    request: object;
    idempotent?: boolean;
    attempts?: number;
    deadline?: number;
  }): Promise<object> {
    const deadline = options.deadline ?? Date.now() + this.deadlineMs;
    const attempts = options.attempts ?? (options.idempotent ? this.retries + 1 : 1);
    const call = (this.client as unknown as Record<string, UnaryMethod>)[options.method] as UnaryMethod;
    return this.withRetries(
      { method: options.method, attempts, deadline },
      () =>
        new Promise<object>((resolve, reject) => {
          call.call(this.client, options.request, this.metadata(), { deadline }, (error, response) => {
            if (error) reject(error);
            else resolve(response ?? {});
          });
        }),
    );
  }

  private sampleOnce(request: object, deadline: number): Promise<SampleResponse> {
    const call = (this.client as unknown as Record<string, StreamMethod>).Sample as StreamMethod;
    return new Promise<SampleResponse>((resolve, reject) => {
      const chunks: WireSampleChunkDecoded[] = [];
      const stream = call.call(this.client, request, this.metadata(), { deadline });
      stream.on('data', (chunk: WireSampleChunkDecoded) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => {
        chunks.sort((left, right) => left.index - right.index);
        resolve({ completions: chunks.map(completionFromWire), policyVersion: chunks[0]?.policyVersion ?? 0 });
      });
    });
  }

  private async withRetries<T>(
    options: { method: BackendMethodName; attempts: number; deadline: number },
    attempt: () => Promise<T>,
  ): Promise<T> {
    for (let number = 1; ; number++) {
      try {
        return await attempt();
      } catch (error) {
        const serviceError = error as grpc.ServiceError;
        const wait = retryBaseMs * 2 ** (number - 1);
        const retryable = serviceError.code === grpc.status.UNAVAILABLE;
        if (!retryable || number >= options.attempts || Date.now() + wait >= options.deadline)
          throw this.toBackboneError({ method: options.method, error: serviceError, attempts: number });
        await sleep(wait);
      }
    }
  }

  private toBackboneError(options: {
    method: BackendMethodName;
    error: grpc.ServiceError;
    attempts: number;
  }): BackboneError {
    const { method, error, attempts } = options;
    const [detailBytes] = error.metadata?.get(errorDetailMetadataKey) ?? [];
    const detail = detailBytes instanceof Buffer ? decodeErrorDetail(detailBytes) : undefined;
    // The server's own error, with the code and hint it raised (any server: ajet serve, the Python backend).
    if (detail?.code) return errorFromDetail({ detail, method, address: this.address, cause: error });
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const common = { address: this.address, cause: error };
    switch (error.code) {
      case grpc.status.DEADLINE_EXCEEDED:
        return new BackboneError(`${method} got no answer within ${this.deadlineMs} ms${tries}`, {
          ...common,
          code: 'GRPC_DEADLINE_EXCEEDED',
          retryable: true,
          hint: 'Check that the server is alive, or raise deadlineMs.',
        });
      case grpc.status.UNAVAILABLE:
        return new BackboneError(`${method}: backend server unavailable${tries}: ${error.details}`, {
          ...common,
          code: 'GRPC_UNAVAILABLE',
          retryable: true,
          hint: 'Start `ajet serve` there or fix backbones.grpc.address.',
        });
      case grpc.status.UNAUTHENTICATED:
        return new BackboneError(`${method}: the server refused the bearer token`, {
          ...common,
          code: 'GRPC_UNAUTHENTICATED',
          hint: 'Export the server’s token in the variable named by backbones.grpc.token_env (AJET_BACKEND_TOKEN by default).',
        });
      default:
        return new BackboneError(`${method} failed: ${error.details ?? error.message}`, {
          ...common,
          code: `GRPC_${grpc.status[error.code] ?? 'ERROR'}`,
        });
    }
  }
}
