// The runtime's own cost per model call, with a null backbone in process: how many calls per second the
// tuner, tracker and scheduler sustain with 1…2,048 episodes in flight, one-turn and five-turn workflows.
// (The gRPC half, with a null server on loopback, is bench/orchestrator.ts once the gRPC backbone lands.)

import { mapWithLimit, runEpisode, TokenPolicy } from '../packages/core/src/index.ts';
import { multiTurnWorkflow, nullBackbone } from './internal/null-backbone.ts';

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
        createWorkflow: () => multiTurnWorkflow(options.turns),
        judge,
        policy,
        sampling: {},
        seedParts: [index],
        rollout: { maxSteps: 5 },
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
