// The orchestrator over gRPC: a null backend (answers Sample at once with fixed tokens, ForwardBackward with
// zeros) served on loopback; the runtime drives one-turn and five-turn workflows with 1…2,048 episodes in flight.
// Printed side by side with the raw grpc-js Sample rate for the same payload and concurrency, no runtime.
import { GrpcBackbone, serveBackbone } from '@ajet/backbone-grpc';
import { int32ToBytes, loadBackend } from '@ajet/proto';
import { type ClientReadableStream, credentials } from '@grpc/grpc-js';
import { mapWithLimit, runEpisode, TokenPolicy } from '../packages/core/src/index.ts';
import { multiTurnWorkflow, nullBackbone, PROMPT_TOKENS } from './internal/null-backbone.ts';

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** Raw grpc-js: Sample with a 500-token prompt, `inFlight` calls at a time, no runtime. */
async function rawRate(address: string, inFlight: number, calls: number) {
  const { Client } = loadBackend();
  const client = new Client(address, credentials.createInsecure());
  const request = {
    promptIds: int32ToBytes(Array.from({ length: PROMPT_TOKENS }, (_, index) => index)),
    n: 1,
    sampling: { temperature: 1, seed: 1, stop: [] },
  };
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const stream = (
        client as unknown as Record<string, (request: object) => ClientReadableStream<unknown>>
      ).Sample?.call(client, request);
      stream?.on('data', () => {});
      stream?.on('end', () => resolve());
      stream?.on('error', reject);
    });
  const latencies: number[] = [];
  const started = performance.now();
  await mapWithLimit({
    items: Array.from({ length: calls }, (_, index) => index),
    limit: inFlight,
    work: async () => {
      const begin = performance.now();
      await call();
      latencies.push(performance.now() - begin);
    },
  });
  client.close();
  return { callsPerSecond: calls / ((performance.now() - started) / 1000), p50: percentile(latencies, 0.5) };
}

async function runtimeRate(address: string, episodes: number, turns: number) {
  const backbone = new GrpcBackbone({ address, deadlineMs: 120_000 });
  const policy = new TokenPolicy({ backbone, description: 'null over gRPC' });
  await policy.info();
  const latencies: number[] = [];
  const judge = { computeReward: async () => ({ rawReward: 0, isSuccess: false }) };
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await mapWithLimit({
    items: Array.from({ length: episodes }, (_, index) => index),
    limit: episodes,
    work: async (index) => {
      await runEpisode({
        workflowTask: {
          task: { taskId: String(index), mainQuery: 'q', metadata: {} },
          episodeId: `e${index}`,
          taskTag: `T${index}#R0`,
          split: 'train',
          repeatIndex: 0,
        },
        createWorkflow: () => multiTurnWorkflow(turns, latencies),
        judge,
        policy,
        sampling: {},
        seedParts: [index],
        timeoutMs: 600_000,
      });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await backbone.close();
  const calls = episodes * turns;
  return {
    callsPerSecond: calls / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls,
    rssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
  };
}

const server = await serveBackbone({ backbone: nullBackbone(), host: '127.0.0.1', port: 0 });
console.log(
  'Runtime = the ajet runtime driving episodes (RenderChat + Sample per model call) through GrpcBackbone; raw = grpc-js Sample alone.',
);
console.log(
  'episodes turns | runtime calls/s  p50 ms  p99 ms  cpu-ms/call  rss+MB | raw calls/s  raw p50 ms | runtime/raw',
);
for (const turns of [1, 5]) {
  for (const episodes of [1, 64, 512, 2048]) {
    await runtimeRate(server.address, Math.min(episodes, 64), turns);
    const runtime = await runtimeRate(server.address, episodes, turns);
    const raw = await rawRate(server.address, episodes, Math.max(200, episodes * turns));
    console.log(
      `${String(episodes).padStart(8)} ${String(turns).padStart(5)} | ${runtime.callsPerSecond.toFixed(0).padStart(15)} ${runtime.p50.toFixed(1).padStart(7)} ${runtime.p99.toFixed(1).padStart(7)} ${runtime.cpuMsPerCall.toFixed(3).padStart(12)} ${runtime.rssGrowthMb.toFixed(0).padStart(7)} | ${raw.callsPerSecond.toFixed(0).padStart(11)} ${raw.p50.toFixed(1).padStart(11)} | ${(runtime.callsPerSecond / raw.callsPerSecond).toFixed(2).padStart(11)}`,
    );
  }
}
await server.shutdown();
