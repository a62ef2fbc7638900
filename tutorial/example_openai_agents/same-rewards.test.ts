import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord } from '@ajet/spec';
import { expect, it } from 'vitest';
import { runAjet } from '../../test/helpers/run-ajet.ts';

// As tutorial/example_ai_sdk_agent/same-rewards.test.ts: a run exits 0 only when some step trained a sample
// (trainer_common.fail_if_nothing_trained), so three short steps.
const STEPS = 3;
const SHORT = [
  ...[`total_training_steps=${STEPS}`, 'val_before_train=false', 'test_freq=0', 'save_freq=0'].map(
    (s) => `trainer_common.${s}`,
  ),
  'data.train_batch_size=2',
  'rollout.num_repeat=2',
].flatMap((setting) => ['--set', setting]);

async function run(conf: string): Promise<EpisodeRecord[][]> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ajet-openai-agents-')), 'run');
  const result = await runAjet(['--conf', conf, '--backbone', 'debug', '--experiment-dir', dir, ...SHORT]);
  expect(result.code, result.stderr).toBe(0);
  return Array.from({ length: STEPS }, (_, index) =>
    readFileSync(join(dir, 'trajectories', `step-${index + 1}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EpisodeRecord),
  );
}

it('the OpenAI Agents JS agent trains, sampling the same tokens and earning the same rewards as react_agent', async () => {
  const [agents, react] = await Promise.all([
    run('tutorial/example_openai_agents/openai_agents_agent.yaml'),
    run('tutorial/example_calculator_agent/calculator_agent.yaml'),
  ]);
  // A malformed call (an unclosed <calculator> tag) is where they part: react_agent replies with an error and asks
  // again, the Agents SDK sees no function call and ends the run with that text. Such a step trains on different
  // samples, so the policies differ from the next step on: compare every episode up to that step, and that step's
  // other episodes.
  const malformed = (record: EpisodeRecord) =>
    record.messages.some((message) => message.content.includes('malformed tool call'));
  let compared = 0;
  for (const [step, records] of react.entries()) {
    let diverged = false;
    for (const [index, reactRecord] of records.entries()) {
      const record = agents[step]?.[index];
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
  const all = agents.flat();
  expect(all.some((record) => record.messages.some((message) => message.content.includes('<output>')))).toBe(true);
  expect(all.some((record) => record.reward > 0)).toBe(true);
});
