import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord } from '@ajet/spec';
import { expect } from 'vitest';
import { runAjet } from './run-ajet.ts';

// A run exits 0 only when some step trained a sample (trainer_common.fail_if_nothing_trained), so three short steps.
const STEPS = 3;
const SHORT = [
  ...[`total_training_steps=${STEPS}`, 'val_before_train=false', 'test_freq=0', 'save_freq=0'].map(
    (setting) => `trainer_common.${setting}`,
  ),
  'data.train_batch_size=2',
  'rollout.num_repeat=2',
  // Pinned, not the tutorial's default: from builtin:tinylm-calculator-csv-long an episode of step 1 writes a
  // malformed call, leaving 3 episodes to compare; these weights leave more.
  'model.path=builtin:tinylm-calculator-csv',
].flatMap((setting) => ['--set', setting]);

/** Trains `conf` for three short steps on the debug backbone; returns each step's episode records. */
async function trainShort(conf: string): Promise<EpisodeRecord[][]> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ajet-same-as-react-')), 'run');
  const result = await runAjet(['--conf', conf, '--backbone', 'debug', '--experiment-dir', dir, ...SHORT]);
  expect(result.code, result.stderr).toBe(0);
  return Array.from({ length: STEPS }, (_, index) =>
    readFileSync(join(dir, 'trajectories', `step-${index + 1}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EpisodeRecord),
  );
}

/**
 * Trains the agent of `conf` and the calculator tutorial's react_agent with the same seed and expects the same
 * samples and rewards, episode for episode, up to the first step where react_agent met a malformed call: it replies
 * with an error and asks again where an agent framework sees no tool call and stops, so such a step trains on
 * different samples and the policies differ from the next step on.
 */
export async function expectSameAsReactAgent(conf: string): Promise<void> {
  const [agent, react] = await Promise.all([
    trainShort(conf),
    trainShort('tutorial/example_calculator_agent/calculator_agent.yaml'),
  ]);
  const malformed = (record: EpisodeRecord) =>
    record.messages.some((message) => message.content.includes('malformed tool call'));
  let compared = 0;
  for (const [step, records] of react.entries()) {
    let diverged = false;
    for (const [index, reactRecord] of records.entries()) {
      const record = agent[step]?.[index];
      if (malformed(reactRecord)) {
        diverged = true;
        continue;
      }
      expect(record?.episodeId).toBe(reactRecord.episodeId);
      expect(record?.reward).toBe(reactRecord.reward);
      expect(record?.sequences).toEqual(reactRecord.sequences);
      compared += 1;
    }
    if (diverged) break;
  }
  expect(compared).toBeGreaterThanOrEqual(4);
  // Not trivially equal: the agent called the calculator and some episodes earned reward.
  const all = agent.flat();
  expect(all.some((record) => record.messages.some((message) => message.content.includes('<output>')))).toBe(true);
  expect(all.some((record) => record.reward > 0)).toBe(true);
}
