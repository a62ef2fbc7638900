import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORDING_BACKBONE } from './helpers/recording-backbone.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const FIXTURES = join(REPO_ROOT, 'test/fixtures/plugin-errors');
const BASIC = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');

/** conf.yaml in a fresh folder: the recording backbone (trainable, in process), the basic fixture reader of 2
 * tasks, groups of 2, batches of 2, and `rest` (YAML lines under `ajet:`) for the workflow, judge and trainer. */
function writeConfig(rest: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ajet-plugin-failures-')), 'conf.yaml');
  writeFileSync(
    file,
    `ajet:
  backbone: ${RECORDING_BACKBONE}
  task_reader:
    type: ${BASIC}->CountingReader
    settings:
      count: 2
${rest}  data:
    train_batch_size: 2
`,
  );
  return file;
}

/** The basic fixture workflow, judged by `judge` from the plugin-errors fixtures. */
const judgeConfig = (judge: string): string =>
  writeConfig(`  rollout:
    user_workflow: ${BASIC}->TwoTurnWorkflow
    num_repeat: 2
  task_judge:
    judge_protocol: ${join(FIXTURES, 'my_judge.ts')}->${judge}
`);

const experimentDir = () => mkdtempSync(join(tmpdir(), 'ajet-plugin-failures-run-'));

/** react_agent with `tools` (YAML lines under `tools:`) at line 11 of conf.yaml, one step. */
const reactAgentConfig = (tools: string): string =>
  writeConfig(`  rollout:
    user_workflow: react_agent
    workflow_settings:
      tools:
${tools}
    num_repeat: 2
  task_judge:
    judge_protocol: ${BASIC}->PatternJudge
  trainer_common:
    total_training_steps: 1
    val_before_train: false
    test_freq: 0
    save_freq: 0
`);

describe('a run tells the truth about plugin failures', () => {
  it('a tutorial run whose workflow fails every episode ends non-zero with a summary, not "done"', async () => {
    const run = await runAjet(
      ['--conf', join(FIXTURES, 'broken_agent.yaml'), '--backbone', 'debug', '--experiment-dir', experimentDir()],
      { timeoutMs: 180_000 },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/ajet: warning: step 1 trained nothing: 4 of 4 episodes failed \(workflow 4\)/);
    expect(run.stderr).toMatch(
      /ajet: error: The run trained nothing: no step of 2 trained a sample; 8 of 8 episodes failed \(workflow 8\); first failure: episode T\S+ \(workflow\): Cannot read properties of undefined \(reading 'length'\) \(at test\/fixtures\/plugin-errors\/broken_agent\.ts:7:\d+\).*fail_if_nothing_trained: false/,
    );
    expect(run.stderr).not.toMatch(/ajet: done after/);
    expect(run.stderr.match(/trained nothing: /g)).toHaveLength(2);
  }, 200_000);

  it('fail_if_nothing_trained: false lets such a run end "done" with exit 0 and a warning', async () => {
    const run = await runAjet(
      [
        '--conf',
        join(FIXTURES, 'broken_agent.yaml'),
        '--experiment-dir',
        experimentDir(),
        '--set',
        'trainer_common.fail_if_nothing_trained=false',
        '--set',
        'trainer_common.total_training_steps=1',
      ],
      { timeoutMs: 180_000 },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/ajet: warning: The run trained nothing: no step of 1 trained a sample/);
    expect(run.stderr).toMatch(/ajet: done after 1 steps/);
  }, 200_000);

  it('a .ts judge that throws names its own file and line; --verbose prints the stack', async () => {
    const throwLine =
      readFileSync(join(FIXTURES, 'my_judge.ts'), 'utf8')
        .split('\n')
        .findIndex((line) => line.includes('// THROW LINE')) + 1;
    const args = ['--conf', judgeConfig('MyJudge'), '--experiment-dir', experimentDir()];
    const run = await runAjet(args);
    expect(run.stderr).toMatch(
      new RegExp(
        `ajet: episode Ttrain-0#R0 failed \\(judge\\): my judge cannot read string \\(at test/fixtures/plugin-errors/my_judge\\.ts:${throwLine}:\\d+\\)`,
      ),
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const verbose = await runAjet([...args.slice(0, 3), experimentDir(), '--verbose']);
    expect(verbose.stderr).toMatch(
      new RegExp(`\\n\\s+at (async )?MyJudge\\.computeReward \\(\\S*my_judge\\.ts:${throwLine}:\\d+\\)`),
    );
  });

  it('a weighted judge naming a missing judge module stops the run at start, naming the key and line', async () => {
    const conf = judgeConfig('MyJudge');
    const weighted = `judge_protocol: weighted
    judge_settings:
      judges:
        - judge: math_answer
          weight: 0.5
        - judge: ./no_such_judge.ts->Nope
          weight: 0.5`;
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/judge_protocol: .*/, weighted));
    const run = await runAjet(['--conf', conf, '--experiment-dir', experimentDir()]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('episode');
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(
      /^ajet: error: No module file for judge "\S+no_such_judge\.ts->Nope" .* Check ajet\.task_judge\.judge_settings\.judges\.1\.judge \(\S+conf\.yaml:16\)\.$/,
    );
  });

  it.each([
    {
      what: 'a missing tool module, naming the key and line',
      tools: '        - tool: ./missing_tool.ts->Nope',
      error:
        /^ajet: error: No module file for tool "\S+missing_tool\.ts->Nope" .* Check ajet\.rollout\.workflow_settings\.tools\.0\.tool \(\S+conf\.yaml:11\)\.$/,
    },
    {
      what: 'a misspelled built-in tool, with a did-you-mean',
      tools: '        - calculatr',
      error:
        /^ajet: error: No built-in tool named "calculatr" \(built-ins: [^)]*\)\. Did you mean "calculator"\? .* Check ajet\.rollout\.workflow_settings\.tools\.0 \(\S+conf\.yaml:11\)\.$/,
    },
    {
      what: 'a class that is not a tool, naming the key',
      tools: `        - tool: ${BASIC}->PatternJudge`,
      error:
        /^ajet: error: tool "\S+fixture-plugins\.ts->PatternJudge" has no method execute\. .* Check ajet\.rollout\.workflow_settings\.tools\.0\.tool \(\S+conf\.yaml:11\)\.$/,
    },
  ])('react_agent naming $what stops the run at start in one line', async ({ tools, error }) => {
    const run = await runAjet(['--conf', reactAgentConfig(tools), '--experiment-dir', experimentDir()]);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('episode');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(error);
  });

  it('react_agent with valid tool references (a built-in, a file) trains its step', async () => {
    const tools = `        - calculator
        - tool: ${join(FIXTURES, 'hanging_tool.ts')}->HangingTool
          settings:
            marker: unused.txt`;
    const run = await runAjet(['--conf', reactAgentConfig(tools), '--experiment-dir', experimentDir()]);
    expect(run.stderr).toMatch(/ajet: done after 1 steps/);
    expect(run.code).toBe(0);
  });

  it('a .ts judge in a folder of its own (no package.json) loads and names its line', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-user-project-'));
    const source = readFileSync(join(FIXTURES, 'my_judge.ts'), 'utf8');
    writeFileSync(join(folder, 'my_judge.ts'), source);
    const throwLine = source.split('\n').findIndex((line) => line.includes('// THROW LINE')) + 1;
    const conf = judgeConfig('MyJudge');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(join(FIXTURES, 'my_judge.ts'), join(folder, 'my_judge.ts')));
    const run = await runAjet(['--conf', conf, '--experiment-dir', experimentDir()]);
    expect(run.stderr).toMatch(
      new RegExp(`failed \\(judge\\): my judge cannot read string \\(at \\S*my_judge\\.ts:${throwLine}:\\d+\\)`),
    );
  });

  it('react_agent whose tool call hangs is stopped at rollout.episode_timeout_s, and the tool sees its signal abort', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-hanging-tool-'));
    const marker = join(folder, 'aborted.txt');
    const hanging = join(FIXTURES, 'hanging_tool.ts');
    const conf = join(folder, 'conf.yaml');
    writeFileSync(
      conf,
      `ajet:
  backbone: ${hanging}->createHangingToolCaller
  task_reader:
    type: ${BASIC}->CountingReader
    settings:
      count: 1
  rollout:
    user_workflow: react_agent
    workflow_settings:
      tools:
        - tool: ${hanging}->HangingTool
          settings:
            marker: ${marker}
      tool_call_format: hermes
    num_repeat: 2
    episode_timeout_s: 1
  task_judge:
    judge_protocol: ${BASIC}->PatternJudge
  data:
    train_batch_size: 1
  trainer_common:
    total_training_steps: 1
    val_before_train: false
    test_freq: 0
    save_freq: 0
`,
    );
    const started = performance.now();
    const run = await runAjet(['--conf', conf, '--experiment-dir', experimentDir()], { timeoutMs: 60_000 });
    expect(run.stderr).toMatch(/failed \(timeout\): episode exceeded rollout\.episode_timeout_s \(1 s\)/);
    expect(run.code).toBe(1);
    expect(performance.now() - started).toBeLessThan(50_000);
    const lines = readFileSync(marker, 'utf8').trim().split('\n').sort();
    expect(lines).toEqual([
      'train-s1-t0-r0 aborted=true episode exceeded rollout.episode_timeout_s (1 s)',
      'train-s1-t0-r1 aborted=true episode exceeded rollout.episode_timeout_s (1 s)',
    ]);
  }, 70_000);

  it('a judge that returns its reward as text fails the episode with a message naming it', async () => {
    const run = await runAjet(['--conf', judgeConfig('StringRewardJudge'), '--experiment-dir', experimentDir()]);
    expect(run.stderr).toMatch(
      /ajet: episode Ttrain-0#R0 failed \(judge\): judge "my_judge\.ts->StringRewardJudge" returned rawReward '1' \(a string\) for episode Ttrain-0#R0: return a finite number/,
    );
  });
});
