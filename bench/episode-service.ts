// Episodes/s through the episode service (ajet --serve-episodes) with 1, 4 and 16 clients, side by side with the same
// one-call agent run in process (a workflow calling tuner.openai()). Clients are concurrent AjetClient loops in one
// child process (the agent's process), each making one chat call per episode and ending it with a reward. Two
// policies: a null backbone (answers at once: the service's own cost) and the embedded tinylm (real sampling on CPU).
// Prints the load average beside each row: on a shared 2-core machine the numbers move with it.
// Environment: EPISODE_SERVICE_EPISODES (64 per measurement).
import { type ChildProcess, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Backbone, Task, Workflow, WorkflowTask } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';
import { EpisodeBoard } from '../packages/core/src/episode-service/episode-board.ts';
import { EpisodeServiceServer } from '../packages/core/src/episode-service/episode-service-server.ts';
import { mapWithLimit, runEpisode, TokenPolicy } from '../packages/core/src/index.ts';
import { nullBackbone } from './internal/null-backbone.ts';

const EPISODES = Number(process.env.EPISODE_SERVICE_EPISODES ?? 64);
const TOKEN = 'bench';
const CLIENT_SCRIPT = fileURLToPath(new URL('./internal/episode-service-clients.ts', import.meta.url));
const QUESTION = 'What is 51 times 78 minus 53 times 33?';
const MESSAGES = [
  { role: 'system' as const, content: 'You are a calculator agent. Answer with the number.' },
  { role: 'user' as const, content: QUESTION },
];

function episodes(count: number): WorkflowTask[] {
  return Array.from({ length: count }, (_, index) => {
    const task: Task = { taskId: String(index), mainQuery: QUESTION, metadata: { answer: '2229' } };
    return { task, episodeId: `train-s1-t${index}-r0`, taskTag: `T${index}#R0`, split: 'train', repeatIndex: 0 };
  });
}

/** The same agent, in process: one call through tuner.openai(), then a reward. */
function inProcessWorkflow(): Workflow {
  return {
    async execute(_task, tuner) {
      const reply = await tuner.openai().chat.completions.create({ model: 'm', messages: MESSAGES, max_tokens: 32 });
      return { reward: reply.choices[0]?.message.content ? 1 : 0, metadata: {} };
    },
  };
}

async function measure(options: { backbone: Backbone; createWorkflow: () => Workflow; concurrency: number }) {
  const policy = new TokenPolicy({ backbone: options.backbone, description: 'bench' });
  const started = performance.now();
  const results = await mapWithLimit({
    items: episodes(EPISODES),
    limit: options.concurrency,
    work: (workflowTask) =>
      runEpisode({
        workflowTask,
        createWorkflow: options.createWorkflow,
        judge: { computeReward: async () => ({ rawReward: 0, isSuccess: false }) },
        policy,
        sampling: { temperature: 1, maxTokens: 32 },
        seedParts: ['bench', workflowTask.episodeId],
        rollout: { maxSteps: 1 },
        timeoutMs: 120_000,
      }),
  });
  const seconds = (performance.now() - started) / 1000;
  const failed = results.filter((result) => result.error).length;
  if (failed > 0) throw new Error(`${failed} episodes failed: ${results.find((r) => r.error)?.error?.message}`);
  return EPISODES / seconds;
}

async function throughService(backbone: Backbone, clients: number): Promise<number> {
  const board = new EpisodeBoard({ episodeTimeoutMs: 120_000, warn: (message) => console.error(message) });
  const server = new EpisodeServiceServer({ board, token: TOKEN, host: '127.0.0.1', port: 0, model: 'm', maxSteps: 1 });
  const url = await server.start();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLIENT_SCRIPT, url, TOKEN, String(clients)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    // Warm up: the clients' process starts and every client claims once before the clock starts.
    await measure({ backbone, createWorkflow: () => board.createWorkflow(), concurrency: clients });
    return await measure({ backbone, createWorkflow: () => board.createWorkflow(), concurrency: clients });
  } finally {
    board.finish();
    await server.close();
    child.kill();
  }
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const tinylm = await createTinyLm({ modelPath: 'builtin:tinylm-calculator', seed: 1, trainThreads: 1 });
const policies: [string, Backbone][] = [
  ['null backbone', nullBackbone()],
  ['tinylm', tinylm],
];
console.log(`${EPISODES} one-call episodes per row (32 tokens at most); episodes/s`);
console.log('policy          | how                       | episodes/s | load average (1, 5, 15 min)');
for (const [name, backbone] of policies) {
  for (const concurrency of [1, 16]) {
    await measure({ backbone, createWorkflow: inProcessWorkflow, concurrency });
    const rate = await measure({ backbone, createWorkflow: inProcessWorkflow, concurrency });
    console.log(
      `${name.padEnd(15)} | in process, ${String(concurrency).padStart(2)} at once     | ${rate.toFixed(1).padStart(10)} | ${load()}`,
    );
  }
  for (const clients of [1, 4, 16]) {
    const rate = await throughService(backbone, clients);
    console.log(
      `${name.padEnd(15)} | service, ${String(clients).padStart(2)} client(s)     | ${rate.toFixed(1).padStart(10)} | ${load()}`,
    );
  }
}
await tinylm.close();
