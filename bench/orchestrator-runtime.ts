// The runtime's own cost per model call, with a null backbone in process: how many calls per second the
// tuner, tracker and scheduler sustain with 1…2,048 episodes in flight, one-turn and five-turn workflows.
// (The gRPC half, with a null server on loopback, is bench/orchestrator.ts once the gRPC backbone lands.)
import type { Backbone, Workflow } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { mapWithLimit, runEpisode, TokenPolicy } from '../packages/core/src/index.ts';

const PROMPT_TOKENS = 500;
const COMPLETION_TOKENS = 100;

/** Answers at once with fixed tokens: everything measured is the runtime's. */
function nullBackbone(): Backbone {
  const base = new RecordingBackbone();
  const completion = Array.from({ length: COMPLETION_TOKENS }, (_, index) => 97 + (index % 26));
  return Object.assign(base, {
    renderChat: async ({ prefix }: { prefix?: unknown }) => ({
      tokenIds: Array.from({ length: prefix ? 20 : PROMPT_TOKENS }, (_, index) => index % 250),
    }),
    sample: async () => ({
      completions: [
        { tokenIds: completion, logprobs: completion.map(() => -0.1), text: 'x', finishReason: 'stop' as const },
      ],
      policyVersion: 0,
    }),
  });
}

function workflow(turns: number): Workflow {
  return {
    async execute(task, tuner) {
      const messages = [{ role: 'user' as const, content: task.task.mainQuery }];
      for (let turn = 0; turn < turns; turn++) {
        const reply = await tuner.chat({ messages });
        messages.push(reply.message as (typeof messages)[number], { role: 'user', content: `tool output ${turn}` });
      }
      return { reward: 1, metadata: {} };
    },
  };
}

async function measure(options: { episodes: number; turns: number }) {
  const backbone = nullBackbone();
  const policy = new TokenPolicy({ backbone, description: 'null' });
  const judge = { computeReward: async () => ({ rawReward: 0, isSuccess: false }) };
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  await mapWithLimit({
    items: Array.from({ length: options.episodes }, (_, index) => index),
    limit: options.episodes,
    work: async (index) => {
      const result = await runEpisode({
        workflowTask: {
          task: { taskId: String(index), mainQuery: 'q', metadata: {} },
          episodeId: `e${index}`,
          taskTag: `T${index}#R0`,
          split: 'train',
          repeatIndex: 0,
        },
        createWorkflow: () => workflow(options.turns),
        judge,
        policy,
        sampling: {},
        seedParts: [index],
        timeoutMs: 600_000,
      });
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      return result;
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const calls = options.episodes * options.turns;
  return {
    callsPerSecond: calls / seconds,
    cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls,
    rssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
  };
}

console.log('episodes turns  calls/s  cpu-ms/call  rss-growth-MB');
for (const turns of [1, 5]) {
  for (const episodes of [1, 64, 512, 2048]) {
    await measure({ episodes: Math.min(episodes, 64), turns }); // warm up
    const result = await measure({ episodes, turns });
    console.log(
      `${String(episodes).padStart(8)} ${String(turns).padStart(5)} ${result.callsPerSecond.toFixed(0).padStart(8)} ${result.cpuMsPerCall.toFixed(3).padStart(12)} ${result.rssGrowthMb.toFixed(1).padStart(14)}`,
    );
  }
}
