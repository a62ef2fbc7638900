import {
  type BackendMethod,
  bytesToInt32,
  decodeForwardBackwardResponse,
  decodeInfo,
  decodeOptimStepResponse,
  decodeSampleResponse,
  encodeForwardBackward,
  encodeOptimStep,
  encodeRenderChat,
  encodeSampleRequest,
  int32ToBytes,
  loadBackendService,
  type WireDetokenizeResponse,
  type WireForwardBackwardResponse,
  type WireGetInfoResponse,
  type WireOptimStepResponse,
  type WireSampleResponse,
  type WireTokens,
} from '@ajet/proto';
import {
  type Backbone,
  BackboneError,
  type BackboneInfo,
  type DetokenizeRequest,
  type DetokenizeResponse,
  type ForwardBackwardRequest,
  type ForwardBackwardResponse,
  type OptimStepRequest,
  type OptimStepResponse,
  type RenderChatRequest,
  type RenderChatResponse,
  type SampleRequest,
  type SampleResponse,
  type StateRequest,
} from '@ajet/spec';
import { type Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';

export interface GrpcBackboneOptions {
  /** host:port */
  address: string;
  /** Sent as `authorization: Bearer <token>`. */
  token?: string;
  tls?: boolean;
  /** Every call fails after this long rather than hang. Default 10 minutes. */
  deadlineMs?: number;
  /** Extra attempts for idempotent calls on UNAVAILABLE or DEADLINE_EXCEEDED. Default 2. */
  retries?: number;
}

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: unknown) => void,
) => void;

const RETRYABLE = new Set([status.UNAVAILABLE, status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED]);

/**
 * The `grpc` backbone: ajet.v1.Backend over @grpc/grpc-js. Deadlines on every call; idempotent calls retry
 * (GetInfo, RenderChat, Detokenize, LoadState, and Sample when seeded); a dead or unreachable server is a
 * BackboneError naming the address.
 */
export class GrpcBackbone implements Backbone {
  readonly address: string;
  private readonly client: Client;
  private readonly metadata: Metadata;
  private readonly deadlineMs: number;
  private readonly retries: number;

  constructor(options: GrpcBackboneOptions) {
    this.address = options.address;
    const { Client } = loadBackendService();
    this.client = new Client(options.address, options.tls ? credentials.createSsl() : credentials.createInsecure(), {
      'grpc.keepalive_time_ms': 30_000,
      'grpc.keepalive_timeout_ms': 10_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 256 * 1024 * 1024,
    });
    this.metadata = new Metadata();
    if (options.token) this.metadata.set('authorization', `Bearer ${options.token}`);
    this.deadlineMs = options.deadlineMs ?? 600_000;
    this.retries = options.retries ?? 2;
  }

  private callOnce<Response>(method: BackendMethod, request: unknown): Promise<Response> {
    const handler = (this.client as unknown as Record<string, UnaryMethod>)[method];
    if (!handler) throw new Error(`no method ${method}`);
    return new Promise((resolve, reject) => {
      handler.call(
        this.client,
        request,
        this.metadata,
        { deadline: Date.now() + this.deadlineMs },
        (error, response) => {
          if (error) reject(error);
          else resolve(response as Response);
        },
      );
    });
  }

  private async call<Response>(options: {
    method: BackendMethod;
    request: unknown;
    idempotent: boolean;
  }): Promise<Response> {
    const { method, request, idempotent } = options;
    const attempts = idempotent ? this.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.callOnce<Response>(method, request);
      } catch (caught) {
        const error = caught as ServiceError;
        const retryable = RETRYABLE.has(error.code);
        if (retryable && attempt < attempts) {
          await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
          continue;
        }
        const reason =
          error.code === status.UNAVAILABLE
            ? 'the backend is unreachable or stopped answering'
            : error.code === status.DEADLINE_EXCEEDED
              ? `no answer within the deadline (${Math.round(this.deadlineMs / 1000)} s)`
              : error.code === status.UNAUTHENTICATED
                ? 'the backend refused the token'
                : 'the backend failed';
        throw new BackboneError(`${method}: ${reason}: ${error.details || error.message}`, {
          code: `GRPC_${status[error.code] ?? 'ERROR'}`,
          address: this.address,
          retryable,
          hint:
            error.code === status.UNAUTHENTICATED
              ? 'Set the token the server was started with (backbones.grpc.token_env).'
              : error.code === status.UNAVAILABLE
                ? 'Check that the server runs (ajet serve / python -m ajet_backend serve) and backbones.grpc.address.'
                : undefined,
          cause: error,
        });
      }
    }
  }

  async getInfo(): Promise<BackboneInfo> {
    return decodeInfo(await this.call<WireGetInfoResponse>({ method: 'GetInfo', request: {}, idempotent: true }));
  }

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    const response = await this.call<WireTokens>({
      method: 'RenderChat',
      request: encodeRenderChat(request),
      idempotent: true,
    });
    return { tokenIds: bytesToInt32(response.token_ids) };
  }

  async detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse> {
    const response = await this.call<WireDetokenizeResponse>({
      method: 'Detokenize',
      request: { token_ids: int32ToBytes(request.tokenIds) },
      idempotent: true,
    });
    return { pieces: response.pieces ?? [] };
  }

  async sample(request: SampleRequest): Promise<SampleResponse> {
    const response = await this.call<WireSampleResponse>({
      method: 'Sample',
      request: encodeSampleRequest(request),
      idempotent: request.sampling.seed !== undefined,
    });
    return decodeSampleResponse(response);
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    const response = await this.call<WireForwardBackwardResponse>({
      method: 'ForwardBackward',
      request: encodeForwardBackward(request),
      idempotent: false,
    });
    return decodeForwardBackwardResponse(response);
  }

  async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    const response = await this.call<WireOptimStepResponse>({
      method: 'OptimStep',
      request: encodeOptimStep(request),
      idempotent: false,
    });
    return decodeOptimStepResponse(response);
  }

  async saveState(request: StateRequest): Promise<void> {
    await this.call({
      method: 'SaveState',
      request: { path: request.path, include_optimizer: request.includeOptimizer },
      idempotent: false,
    });
  }

  async loadState(request: StateRequest): Promise<void> {
    await this.call({
      method: 'LoadState',
      request: { path: request.path, include_optimizer: request.includeOptimizer },
      idempotent: true,
    });
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
