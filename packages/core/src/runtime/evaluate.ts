import type { Task } from '@ajet/spec';
import type { GroupCollector } from './collect-groups.ts';
import { type EvalSummary, evalMetrics, evalSummary } from './step-metrics.ts';
import type { StepWriter } from './step-writer.ts';

/**
 * Runs the validation split once (`val` during training, `eval` for `--mode eval`): pass@1 over every episode,
 * pass@k over tasks with k episodes each; writes its trajectories and metrics.
 */
export async function evaluate(options: {
  collector: GroupCollector;
  writer: StepWriter;
  tasks: readonly Task[];
  k: number;
  step: number;
  phase: 'val' | 'eval';
}): Promise<EvalSummary> {
  const { tasks, k, step, phase, writer } = options;
  const groups = await options.collector.rollout({ tasks, split: 'validation', repeats: k, step, phase: 'validate' });
  const summary = evalSummary(groups, k);
  const episodes = groups.map((group) => group.map((result) => ({ result, advantage: 0, trained: false })));
  await writer.writeTrajectories(`${phase}-step-${step}`, step, episodes);
  await writer.writeMetrics({ step, phase, time: Date.now(), metrics: evalMetrics(phase, summary) });
  return summary;
}
