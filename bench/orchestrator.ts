// The orchestrator over gRPC: a null backend (answers at once with fixed tokens, ForwardBackward with zeros) on
// loopback; the runtime drives one-turn and five-turn workflows with 1…2,048 episodes in flight. Printed side by
// side with the raw grpc-js rate of the same RPCs with no runtime, and with the runtime making two calls per model
// call (RenderChat then Sample) as it did before SampleChat. Then ten training steps of 2,048 five-turn episodes
// through the Trainer, with RSS and heap after each.
// Environment: ORCHESTRATOR_SERVER=process puts the null server in a child process; ORCHESTRATOR_REPEATS (3),
// ORCHESTRATOR_STEPS (10, 0 skips the steps), ORCHESTRATOR_STEP_EPISODES (2048).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GrpcBackbone, serveBackbone } from '@ajet/backbone-grpc';
import { int32ToBytes, loadBackend } from '@ajet/proto';
import type { Backbone, Task } from '@ajet/spec';
import { type ClientReadableStream, type ClientUnaryCall, credentials, type ServiceError } from '@grpc/grpc-js';
import { loadConfig, mapWithLimit, runEpisode, TokenPolicy, Trainer } from '../packages/core/src/index.ts';
import { multiTurnWorkflow, nullBackbone, PROMPT_TOKENS } from './internal/null-backbone.ts';

const STEP_EPISODES = Number(process.env.ORCHESTRATOR_STEP_EPISODES ?? 2048);
const STEPS = Number(process.env.ORCHESTRATOR_STEPS ?? 10);

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

/** `global.gc`, exposed here when node was started without --expose-gc. */
function collectGarbage(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = collectGarbage();

/** The same backbone with `sampleChat` hidden: the runtime then makes RenderChat and Sample calls. */
function twoCallsPerTurn(backbone: Backbone): Backbone {
  return {
    getInfo: () => backbone.getInfo(),
    renderChat: (request) => backbone.renderChat(request),
    detokenize: (request) => backbone.detokenize(request),
    sample: (request) => backbone.sample(request),
    forwardBackward: (request) => backbone.forwardBackward(request),
    optimStep: (request) => backbone.optimStep(request),
    saveState: (request) => backbone.saveState(request),
    loadState: (request) => backbone.loadState(request),
    close: () => backbone.close(),
  };
}

type Rpc = 'Sample' | 'SampleChat';

/** Raw grpc-js, no runtime: `calls` calls, `inFlight` at a time, of the RPC the runtime makes for a first turn. */
async function rawRate(options: { address: string; rpc: Rpc; inFlight: number; calls: number }) {
  const { Client } = loadBackend();
  const client = new Client(options.address, credentials.createInsecure()) as unknown as Record<
    string,
    (
      request: object,
      callback?: (error: ServiceError | null) => void,
    ) => ClientReadableStream<unknown> & ClientUnaryCall
  >;
  const sampling = { temperature: 1, seed: 1, stop: [] };
  const sample = {
    promptIds: int32ToBytes(Array.from({ length: PROMPT_TOKENS }, (_, index) => index)),
    n: 1,
    sampling,
  };
  const sampleChat = { messages: [{ role: 'user', content: 'q' }], tools: [], n: 1, sampling };
  const call = () =>
    new Promise<void>((resolve, reject) => {
      if (options.rpc === 'SampleChat') {
        client.SampleChat?.call(client, sampleChat, (error) => (error ? reject(error) : resolve()));
        return;
      }
      const stream = client.Sample?.call(client, sample);
      stream?.on('data', () => {});
      stream?.on('end', () => resolve());
      stream?.on('error', reject);
    });
  const latencies: number[] = [];
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await mapWithLimit({
    items: Array.from({ length: options.calls }, (_, index) => index),
    limit: options.inFlight,
    work: async () => {
      const begin = performance.now();
      await call();
      latencies.push(performance.now() - begin);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  (client as unknown as { close(): void }).close();
  return { callsPerSecond: options.calls / seconds, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / options.calls };
}

/** `inFlight` episodes at a time, and at least 200 model calls in all. */
async function runtimeRate(options: { address: string; inFlight: number; turns: number; twoCalls: boolean }) {
  const { address, inFlight, turns } = options;
  const episodes = Math.max(inFlight, Math.ceil(200 / turns));
  const grpcBackbone = new GrpcBackbone({ address, deadlineMs: 120_000 });
  const backbone = options.twoCalls ? twoCallsPerTurn(grpcBackbone) : grpcBackbone;
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
    limit: inFlight,
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
        rollout: { maxSteps: 5 },
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

/** Ten Trainer steps (rollout, ForwardBackward, OptimStep, trajectories written) against the null server. */
async function repeatedSteps(address: string) {
  const numRepeat = 8;
  const tasks: Task[] = Array.from({ length: STEP_EPISODES / numRepeat }, (_, index) => ({
    taskId: `t${index}`,
    mainQuery: 'q',
    metadata: {},
  }));
  const experimentDir = join(mkdtempSync(join(tmpdir(), 'ajet-bench-orchestrator-')), 'run');
  const { config } = loadConfig({
    sets: [
      `data.train_batch_size=${tasks.length}`,
      `rollout.num_repeat=${numRepeat}`,
      `rollout.max_env_worker=${STEP_EPISODES}`,
      `trainer_common.total_training_steps=${STEPS}`,
      `trainer_common.total_epochs=${STEPS}`,
      'trainer_common.val_before_train=false',
      'trainer_common.test_freq=0',
      'trainer_common.save_freq=0',
    ],
  });
  const backbone = new GrpcBackbone({ address, deadlineMs: 120_000 });
  const five = multiTurnWorkflow(5);
  const rows: { step: number; seconds: number; rssMb: number; heapMb: number }[] = [];
  let stepStarted = performance.now();
  let stepSeconds = 0;
  // Between steps: the step's episodes and samples are garbage by then unless something keeps them.
  const afterStep = (step: number) => {
    gc();
    const memory = process.memoryUsage();
    rows.push({ step, seconds: stepSeconds, rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20 });
    stepStarted = performance.now();
  };
  const trainer = new Trainer({
    config,
    policy: new TokenPolicy({ backbone, description: 'null over gRPC' }),
    backbone,
    reader: {
      async *readTasks(split) {
        if (split === 'train') yield* tasks;
      },
    },
    // Rewards differ within each group so every episode trains (a constant reward would skip the group).
    createWorkflow: () => ({
      execute: async (task, tuner) => ({ ...(await five.execute(task, tuner)), reward: task.repeatIndex % 2 }),
    }),
    judge: { computeReward: async () => ({ rawReward: 0, isSuccess: false }) },
    experimentDir,
    sinks: [],
    concurrency: STEP_EPISODES,
    observer: {
      onMetrics(record) {
        if (record.phase === 'train') stepSeconds = (performance.now() - stepStarted) / 1000;
      },
      onPhase({ phase, step }) {
        if (phase === 'rollout' && step > 1) afterStep(step - 1);
      },
    },
  });
  gc();
  const before = process.memoryUsage();
  await trainer.train();
  afterStep(STEPS);
  await backbone.close();
  rmSync(join(experimentDir, '..'), { recursive: true, force: true });
  return { before, rows };
}

const REPEATS = Number(process.env.ORCHESTRATOR_REPEATS ?? 3);
const median = (values: number[]) => percentile(values, 0.5);

/** The null backend in this process (default) or, with ORCHESTRATOR_SERVER=process, in a child process. */
async function startServer(): Promise<{ address: string; stop: () => Promise<void>; where: string }> {
  if (process.env.ORCHESTRATOR_SERVER !== 'process') {
    const server = await serveBackbone({ backbone: nullBackbone(), host: '127.0.0.1', port: 0 });
    return { address: server.address, stop: () => server.shutdown(), where: 'in this process' };
  }
  const script = fileURLToPath(new URL('./internal/null-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    address: chunk.toString().trim(),
    stop: async () => {
      child.stdin.end();
      await once(child, 'exit');
    },
    where: 'in a child process (cpu-ms/call is this process alone)',
  };
}

const server = await startServer();
console.log(
  `runtime: the ajet runtime driving episodes through GrpcBackbone, one SampleChat per model call; 2-call: the runtime
making RenderChat then Sample per model call (as before SampleChat); raw: grpc-js alone, unary SampleChat rendering a
500-token prompt and streamed Sample of a 500-token prompt. Null server ${server.where}. Medians of ${REPEATS} interleaved
repetitions; ratio = runtime/raw SampleChat by wall clock, cpu ratio = raw cpu-ms/call / runtime cpu-ms/call.`,
);
console.log(
  'in-flight turns | runtime calls/s  p50 ms  p99 ms  cpu-ms/call  rss+MB | 2-call/s | raw SampleChat/s  cpu-ms | raw Sample/s | ratio  cpu ratio  vs 2-call',
);
for (const turns of [1, 5]) {
  for (const inFlight of [1, 64, 512, 2048]) {
    const shape = { address: server.address, turns };
    await runtimeRate({ ...shape, inFlight: Math.min(inFlight, 64), twoCalls: false });
    const raw = { address: server.address, inFlight, calls: Math.max(200, inFlight * turns) };
    const runs: {
      runtime: Awaited<ReturnType<typeof runtimeRate>>;
      twoCalls: number;
      rawSampleChat: Awaited<ReturnType<typeof rawRate>>;
      rawSample: number;
    }[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      runs.push({
        runtime: await runtimeRate({ ...shape, inFlight, twoCalls: false }),
        twoCalls: (await runtimeRate({ ...shape, inFlight, twoCalls: true })).callsPerSecond,
        rawSampleChat: await rawRate({ ...raw, rpc: 'SampleChat' }),
        rawSample: (await rawRate({ ...raw, rpc: 'Sample' })).callsPerSecond,
      });
    }
    const of = (pick: (run: (typeof runs)[number]) => number) => median(runs.map(pick));
    const cells = [
      `${String(inFlight).padStart(9)} ${String(turns).padStart(5)} |`,
      of((run) => run.runtime.callsPerSecond)
        .toFixed(0)
        .padStart(16),
      of((run) => run.runtime.p50)
        .toFixed(1)
        .padStart(7),
      of((run) => run.runtime.p99)
        .toFixed(1)
        .padStart(7),
      of((run) => run.runtime.cpuMsPerCall)
        .toFixed(3)
        .padStart(12),
      `${Math.max(...runs.map((run) => run.runtime.rssGrowthMb))
        .toFixed(0)
        .padStart(7)} |`,
      `${of((run) => run.twoCalls)
        .toFixed(0)
        .padStart(8)} |`,
      of((run) => run.rawSampleChat.callsPerSecond)
        .toFixed(0)
        .padStart(16),
      `${of((run) => run.rawSampleChat.cpuMsPerCall)
        .toFixed(3)
        .padStart(7)} |`,
      `${of((run) => run.rawSample)
        .toFixed(0)
        .padStart(12)} |`,
      of((run) => run.runtime.callsPerSecond / run.rawSampleChat.callsPerSecond)
        .toFixed(2)
        .padStart(6),
      of((run) => run.rawSampleChat.cpuMsPerCall / run.runtime.cpuMsPerCall)
        .toFixed(2)
        .padStart(10),
      of((run) => run.runtime.callsPerSecond / run.twoCalls)
        .toFixed(2)
        .padStart(9),
    ];
    console.log(cells.join(' '));
  }
}

if (STEPS > 0) {
  const { before, rows } = await repeatedSteps(server.address);
  console.log(
    `\n${STEPS} training steps of ${STEP_EPISODES} five-turn episodes (Trainer: rollout, ForwardBackward, OptimStep, trajectories), memory after a GC between steps:`,
  );
  console.log(
    `before      rss ${(before.rss / 2 ** 20).toFixed(0)} MB  heap ${(before.heapUsed / 2 ** 20).toFixed(0)} MB`,
  );
  for (const row of rows)
    console.log(
      `step ${String(row.step).padStart(2)}  ${row.seconds.toFixed(1).padStart(5)} s  ${((STEP_EPISODES * 5) / row.seconds).toFixed(0).padStart(5)} calls/s  rss ${row.rssMb.toFixed(0)} MB  heap ${row.heapMb.toFixed(0)} MB`,
    );
  const half = rows.slice(Math.floor(rows.length / 2));
  const first = half[0];
  const last = half.at(-1);
  if (first && last && half.length > 1)
    console.log(
      `second half: heap ${((last.heapMb - first.heapMb) / (half.length - 1)).toFixed(1)} MB/step, rss ${((last.rssMb - first.rssMb) / (half.length - 1)).toFixed(1)} MB/step`,
    );
}
await server.stop();
