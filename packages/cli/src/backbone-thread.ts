import { Worker } from 'node:worker_threads';
import { type BackboneMethodName, requiredBackboneMethods } from '@ajet/backbone-kit';
import { type Backbone, BackboneError } from '@ajet/spec';

/** The Backbone methods a thread answers (every required one); each takes at most one request object. */
const METHODS = requiredBackboneMethods;
export type BackboneMethod = BackboneMethodName;

export interface ThreadCall {
  id: number;
  method: BackboneMethod;
  request: unknown;
}

export interface SerializedError {
  message: string;
  code?: string;
  retryable?: boolean;
}

export type ThreadReply =
  | { id: number; result: unknown }
  | { id: number; error: SerializedError }
  | { ready: true }
  | { ready: false; error: SerializedError };

export interface BackboneThreadOptions {
  /** The URL of a TypeScript module exporting `createBackbone(options): Promise<Backbone>`, run inside the thread. */
  entry: string;
  /** Handed to the entry's `createBackbone`; structured-cloneable. */
  options: unknown;
  /**
   * Methods started in order but not waited for before the next call starts (the embedded policy's `sample` on
   * sampler threads: it takes the weights as they are when called, so a later optimStep cannot reach it).
   */
  concurrent?: readonly BackboneMethod[];
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof BackboneError) return { message: error.message, code: error.code, retryable: error.retryable };
  if (error instanceof Error) return { message: error.message, code: (error as { code?: string }).code };
  return { message: String(error) };
}

function reviveError(error: SerializedError): Error {
  return error.code
    ? new BackboneError(error.message, { code: error.code, retryable: error.retryable ?? false })
    : new Error(error.message);
}

/**
 * Runs a backbone whose work is long synchronous CPU (the embedded policy) on a worker thread, so the thread that
 * serves gRPC keeps answering: HTTP/2 keepalive pings, GetInfo and SIGTERM while a ForwardBackward computes. A
 * blocked event loop misses the client's pings and the client drops the connection (measured: at 40 s with the
 * default 30 s ping and 10 s timeout). Calls start in the thread in order, each after the one before it
 * has finished, except `concurrent` methods, which only have to have started.
 */
/** `.ts` when running from src (the repo, tsx), `.js` from a built package's dist. */
export const sourceExtension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

export async function startBackboneThread(options: BackboneThreadOptions): Promise<Backbone> {
  const worker = new Worker(new URL('./ts-worker.mjs', import.meta.url), {
    workerData: {
      entry: new URL(`./backbone-thread-worker${sourceExtension}`, import.meta.url).href,
      backbone: options,
    },
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited: Error | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: ThreadReply) => {
      if ('ready' in reply) {
        if (reply.ready) resolve();
        else reject(reviveError(reply.error));
        return;
      }
      const call = pending.get(reply.id);
      pending.delete(reply.id);
      if (!call) return;
      if ('error' in reply) call.reject(reviveError(reply.error));
      else call.resolve(reply.result);
    });
    const fail = (error: Error) => {
      exited = new BackboneError(`the backbone thread stopped: ${error.message}`, { code: 'BACKBONE_THREAD_EXITED' });
      reject(exited);
      for (const call of pending.values()) call.reject(exited);
      pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  });
  await ready;
  let nextId = 0;
  const call = (method: BackboneMethod, request?: unknown): Promise<unknown> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, request } satisfies ThreadCall);
    });
  };
  const backbone = Object.fromEntries(
    METHODS.map((method) => [method, (request?: unknown) => call(method, request)]),
  ) as unknown as Backbone;
  const close = backbone.close.bind(backbone);
  backbone.close = async () => {
    if (!exited) await close();
    await worker.terminate();
  };
  return backbone;
}
