import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  int32ToBytes,
  loadBackend,
  type WireRenderChatRequestDecoded,
  type WireSampleRequestDecoded,
} from '@ajet/proto';
import { BackboneError, type SampleRequest } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { GrpcBackbone } from './grpc-backbone.ts';
import { completionToWire, renderChatFromWire, sampleFromWire } from './internal/convert.ts';
import { type BackboneServer, serveBackbone } from './serve-backbone.ts';

const sampleRequest: SampleRequest = { promptIds: [1, 2, 3], sampling: { maxTokens: 4 } };

async function caught(promise: Promise<unknown>): Promise<BackboneError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof BackboneError)) throw new Error(`expected a BackboneError, got ${String(error)}`);
  return error;
}

describe('GrpcBackbone failures', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(options: { backbone?: RecordingBackbone; token?: string } = {}): Promise<BackboneServer> {
    const server = await serveBackbone({
      backbone: options.backbone ?? new RecordingBackbone(),
      host: '127.0.0.1',
      port: 0,
      token: options.token,
      stateRoot: mkdtempSync(join(tmpdir(), 'ajet-grpc-state-')),
    });
    cleanups.push(() => server.shutdown());
    return server;
  }

  function client(options: ConstructorParameters<typeof GrpcBackbone>[0]): GrpcBackbone {
    const backbone = new GrpcBackbone(options);
    cleanups.push(() => backbone.close());
    return backbone;
  }

  it('a server killed mid-call gives a BackboneError naming the address, well within the deadline', async () => {
    const script = fileURLToPath(new URL('../test-fixtures/hanging-server.ts', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
    const address = chunk.toString().trim();
    const backbone = client({ address, deadlineMs: 10_000 });
    await backbone.getInfo();
    const started = Date.now();
    const pending = caught(backbone.sample(sampleRequest));
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill('SIGKILL');
    const error = await pending;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.address).toBe(address);
    expect(error.message).toContain(address);
    expect(error.code).toBe('GRPC_UNAVAILABLE');
  });

  it('an address with nothing listening fails within the deadline after retrying', async () => {
    const server = await serve();
    const address = server.address;
    await server.shutdown();
    const backbone = client({ address, deadlineMs: 2_000, retries: 2 });
    const started = Date.now();
    const error = await caught(backbone.getInfo());
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(error.code).toBe('GRPC_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(address);
    expect(error.message).toContain('after 3 attempts');
  });

  it('a call that never gets an answer fails at the deadline', async () => {
    const backbone = new RecordingBackbone();
    backbone.sample = () => new Promise(() => {});
    const server = await serve({ backbone });
    const remote = client({ address: server.address, deadlineMs: 300 });
    const started = Date.now();
    const error = await caught(remote.sample(sampleRequest));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.code).toBe('GRPC_DEADLINE_EXCEEDED');
    expect(error.message).toContain(server.address);
  }, 5_000);

  it('refuses a wrong or missing token and accepts the right one', async () => {
    const server = await serve({ token: 'secret' });
    const wrong = await caught(client({ address: server.address, token: 'guess' }).getInfo());
    expect(wrong.code).toBe('GRPC_UNAUTHENTICATED');
    expect(wrong.message).toContain('token');
    const missing = await caught(client({ address: server.address }).sample(sampleRequest));
    expect(missing.code).toBe('GRPC_UNAUTHENTICATED');
    const info = await client({ address: server.address, token: 'secret' }).getInfo();
    expect(info.model).toBe('recording');
  });

  it('retries idempotent calls on a retryable server error and never retries forwardBackward', async () => {
    const backbone = new RecordingBackbone();
    let getInfoCalls = 0;
    let forwardCalls = 0;
    const flaky = new BackboneError('warming up', { code: 'TEST_WARMING_UP', retryable: true });
    const realGetInfo = backbone.getInfo.bind(backbone);
    backbone.getInfo = async () => {
      getInfoCalls += 1;
      if (getInfoCalls === 1) throw flaky;
      return realGetInfo();
    };
    backbone.forwardBackward = async () => {
      forwardCalls += 1;
      throw flaky;
    };
    const server = await serve({ backbone });
    const remote = client({ address: server.address });
    expect((await remote.getInfo()).model).toBe('recording');
    expect(getInfoCalls).toBe(2);
    const error = await caught(
      remote.forwardBackward({ samples: [], loss: { type: 'cross_entropy', aggregation: 'token-mean' } }),
    );
    expect(forwardCalls).toBe(1);
    expect(error.retryable).toBe(true);
  });

  it('carries a non-retryable backbone error code to the client', async () => {
    const backbone = new RecordingBackbone();
    backbone.saveState = async () => {
      throw new BackboneError('disk full', { code: 'TEST_DISK_FULL' });
    };
    const server = await serve({ backbone });
    const error = await caught(client({ address: server.address }).saveState({ path: 'x', includeOptimizer: false }));
    expect(error.code).toBe('TEST_DISK_FULL');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('disk full');
  });

  it('against a server without SampleChat, sampleChat makes RenderChat and Sample calls instead', async () => {
    const inner = new RecordingBackbone({ maxModelLen: 64 });
    const { service } = loadBackend();
    const server = new grpc.Server();
    // Only the RPCs an older server had that sampleChat needs; grpc-js answers the rest UNIMPLEMENTED.
    server.addService(service, {
      GetInfo: (_call: grpc.ServerUnaryCall<object, object>, callback: grpc.sendUnaryData<object>) => {
        inner.getInfo().then((info) => callback(null, info));
      },
      RenderChat: (
        call: grpc.ServerUnaryCall<WireRenderChatRequestDecoded, object>,
        callback: grpc.sendUnaryData<object>,
      ) => {
        const request = renderChatFromWire(call.request, (json) => JSON.parse(json));
        inner.renderChat(request).then(({ tokenIds }) => callback(null, { tokenIds: int32ToBytes(tokenIds) }));
      },
      Sample: (call: grpc.ServerWritableStream<WireSampleRequestDecoded, object>) => {
        inner.sample(sampleFromWire(call.request)).then(({ completions, policyVersion }) => {
          for (const [index, completion] of completions.entries())
            call.write(completionToWire({ completion, index, policyVersion }));
          call.end();
        });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    cleanups.push(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
    const remote = client({ address: `127.0.0.1:${port}` });
    const local = new RecordingBackbone({ maxModelLen: 64 });
    const messages = [{ role: 'user' as const, content: 'hi' }];
    const { tokenIds } = await local.renderChat({ messages });
    // The room left in 64 tokens clamps maxTokens, as TokenPolicy does.
    const expected = await local.sample({ promptIds: tokenIds, n: 1, sampling: { maxTokens: 64 - tokenIds.length } });
    for (let call = 0; call < 2; call++) {
      const response = await remote.sampleChat({ messages, sampling: {} });
      expect(response).toEqual({ renderedIds: tokenIds, ...expected });
    }
    expect(inner.renderCalls).toHaveLength(2);
    expect(inner.sampleCalls.map((call) => call.sampling.maxTokens)).toEqual([
      64 - tokenIds.length,
      64 - tokenIds.length,
    ]);
  });
});

describe('serveBackbone', () => {
  it('finishes the call in flight on shutdown', async () => {
    const backbone = new RecordingBackbone();
    const realSample = backbone.sample.bind(backbone);
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    backbone.sample = async (request) => {
      arrived();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return realSample(request);
    };
    const server = await serveBackbone({ backbone, host: '127.0.0.1', port: 0 });
    const remote = new GrpcBackbone({ address: server.address });
    await remote.getInfo();
    const pending = remote.sample(sampleRequest);
    // Shut down only once the server is inside the call (a fixed wait lost that race on a loaded machine).
    await inFlight;
    let shutDown = false;
    const shutdown = server.shutdown().then(() => {
      shutDown = true;
    });
    const response = await pending;
    expect(response.completions[0]?.text).toBe('ok');
    await shutdown;
    expect(shutDown).toBe(true);
    await remote.close();
  });

  it('cancels calls still running after the grace period', async () => {
    const backbone = new RecordingBackbone();
    backbone.sample = () => new Promise(() => {});
    const server = await serveBackbone({ backbone, host: '127.0.0.1', port: 0 });
    const remote = new GrpcBackbone({ address: server.address, deadlineMs: 10_000 });
    const pending = caught(remote.sample(sampleRequest));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await server.shutdown({ graceMs: 200 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await pending).address).toBe(server.address);
    await remote.close();
  });

  it('warns when bound to a non-loopback host without a token', async () => {
    const open = await serveBackbone({ backbone: new RecordingBackbone(), host: '0.0.0.0', port: 0 });
    const loopback = await serveBackbone({ backbone: new RecordingBackbone(), host: '127.0.0.1', port: 0 });
    expect(open.warnings).toHaveLength(1);
    expect(open.warnings[0]).toContain('0.0.0.0');
    expect(loopback.warnings).toEqual([]);
    await open.shutdown();
    await loopback.shutdown();
  });
});
