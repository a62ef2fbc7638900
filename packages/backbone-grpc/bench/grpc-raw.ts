// Raw grpc-js Sample call rate on loopback for 500 prompt + 100 completion tokens: token ids as bytes (the
// protocol) vs as repeated int32, and the same call through GrpcBackbone + serveBackbone, side by side.
// Run from the repository root: node --import tsx bench/grpc-raw.ts
import { fileURLToPath } from 'node:url';
import { float32ToBytes, int32ToBytes, loadBackend } from '@ajet/proto';
import type { Backbone, SampleRequest } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GrpcBackbone, serveBackbone } from '../src/index.ts';

const promptTokens = Number(process.env.BENCH_PROMPT_TOKENS ?? 500);
const completionTokens = Number(process.env.BENCH_COMPLETION_TOKENS ?? 100);
const durationMs = Number(process.env.BENCH_DURATION_MS ?? 2_000);
const concurrencies = [1, 64];

const promptIds = Array.from({ length: promptTokens }, (_, index) => (index * 7919) % 150_000);
const completionIds = Array.from({ length: completionTokens }, (_, index) => (index * 104_729) % 150_000);
const logprobs = completionIds.map((_, index) => -0.01 * (index + 1));
const text = 'x'.repeat(completionTokens * 3);

interface Measurement {
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function measure(call: () => Promise<unknown>, concurrency: number): Promise<Measurement> {
  for (let index = 0; index < 50; index++) await call();
  const latencies: number[] = [];
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await call();
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  latencies.sort((left, right) => left - right);
  const at = (quantile: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * quantile))] ?? 0;
  return { callsPerSecond: (latencies.length / elapsed) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}

function bind(server: grpc.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(`127.0.0.1:${port}`),
    );
  });
}

function streamCall(client: grpc.Client, request: object): Promise<number> {
  const sample = (client as unknown as Record<string, (request: object) => grpc.ClientReadableStream<object>>).Sample;
  return new Promise((resolve, reject) => {
    let chunks = 0;
    const stream = sample?.call(client, request);
    if (!stream) throw new Error('no Sample method');
    stream.on('data', () => {
      chunks += 1;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(chunks));
  });
}

async function rawBytes(): Promise<{ address: string; stop: () => void; client: grpc.Client }> {
  const { service, Client } = loadBackend();
  const server = new grpc.Server();
  const chunk = {
    index: 0,
    tokenIds: int32ToBytes(completionIds),
    logprobs: float32ToBytes(logprobs),
    text,
    finishReason: 'FINISH_REASON_STOP',
    policyVersion: 0,
  };
  server.addService(service, {
    Sample: (call: grpc.ServerWritableStream<object, object>) => {
      call.write(chunk);
      call.end();
    },
  });
  const address = await bind(server);
  const client = new Client(address, grpc.credentials.createInsecure());
  return { address, client, stop: () => server.forceShutdown() };
}

async function rawRepeated(): Promise<{ stop: () => void; client: grpc.Client }> {
  const definition = protoLoader.loadSync(fileURLToPath(new URL('grpc-raw.proto', import.meta.url)), {
    longs: Number,
    defaults: true,
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    ajetbench: { RepeatedBackend: grpc.ServiceClientConstructor };
  };
  const Client = root.ajetbench.RepeatedBackend;
  const server = new grpc.Server();
  const chunk = { index: 0, tokenIds: completionIds, logprobs, text, policyVersion: 0 };
  server.addService(Client.service, {
    Sample: (call: grpc.ServerWritableStream<object, object>) => {
      call.write(chunk);
      call.end();
    },
  });
  const address = await bind(server);
  return { client: new Client(address, grpc.credentials.createInsecure()), stop: () => server.forceShutdown() };
}

/** Answers every sample at once with the same fixed completion. */
class NullBackbone extends RecordingBackbone {
  override async sample(): Promise<Awaited<ReturnType<Backbone['sample']>>> {
    return { completions: [{ tokenIds: completionIds, logprobs, text, finishReason: 'stop' }], policyVersion: 0 };
  }
}

const rows: { name: string; concurrency: number; result: Measurement }[] = [];
const bytes = await rawBytes();
const repeated = await rawRepeated();
const server = await serveBackbone({ backbone: new NullBackbone(), host: '127.0.0.1', port: 0 });
const adapter = new GrpcBackbone({ address: server.address });
const sampleRequest: SampleRequest = { promptIds, n: 1, sampling: { temperature: 1, maxTokens: completionTokens } };

for (const concurrency of concurrencies) {
  rows.push({
    name: 'raw grpc-js, bytes',
    concurrency,
    result: await measure(() => streamCall(bytes.client, { promptIds: int32ToBytes(promptIds), n: 1 }), concurrency),
  });
  rows.push({
    name: 'raw grpc-js, repeated int32',
    concurrency,
    result: await measure(() => streamCall(repeated.client, { promptIds, n: 1 }), concurrency),
  });
  rows.push({
    name: 'GrpcBackbone + serveBackbone',
    concurrency,
    result: await measure(() => adapter.sample(sampleRequest), concurrency),
  });
}

console.log(
  `Sample, ${promptTokens} prompt + ${completionTokens} completion tokens, loopback, ${durationMs} ms per row`,
);
console.log('name                            in flight   calls/s    p50 ms    p99 ms');
for (const { name, concurrency, result } of rows)
  console.log(
    `${name.padEnd(32)}${String(concurrency).padStart(9)}${result.callsPerSecond.toFixed(0).padStart(10)}${result.p50Ms.toFixed(2).padStart(10)}${result.p99Ms.toFixed(2).padStart(10)}`,
  );
for (const concurrency of concurrencies) {
  const rate = (name: string) =>
    rows.find((row) => row.name === name && row.concurrency === concurrency)?.result.callsPerSecond ?? Number.NaN;
  const raw = rate('raw grpc-js, bytes');
  console.log(
    `in flight ${concurrency}: bytes / repeated int32 = ${(raw / rate('raw grpc-js, repeated int32')).toFixed(2)}x, ` +
      `GrpcBackbone / raw bytes = ${(rate('GrpcBackbone + serveBackbone') / raw).toFixed(2)}`,
  );
}

bytes.client.close();
repeated.client.close();
bytes.stop();
repeated.stop();
await adapter.close();
await server.shutdown({ graceMs: 1_000 });
