import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AjetClient, type Episode } from '@ajet/client';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { CalculatorTool } from '@ajet/tools';
import { generateText, stepCountIs, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BACKEND_PYTHON, pythonBackendMissing } from './helpers/python-backend.ts';
import { REPO_ROOT, runNode } from './helpers/run-ajet.ts';

// The trainer with the episode service on the embedded tinylm policy, driven by external clients: a TypeScript AI
// SDK agent, a Python agent with the `openai` pip package, and a client that claims episodes and dies.

const AJET_BIN = join(REPO_ROOT, 'packages/cli/bin/ajet.js');
const FIXTURES = join(REPO_ROOT, 'test/fixtures/episode-service');
const DATA = join(REPO_ROOT, 'tutorial/example_calculator_agent/data');
const TOKEN = 'episode-service-test-token';
const SYSTEM =
  'You are a calculator agent. Call the calculator with YAML inside <calculator></calculator> tags, then give the final answer.';

interface Trainer {
  child: ChildProcess;
  url: string;
  dir: string;
  exited: Promise<{ code: number | null; stderr: string }>;
}

/** Starts `ajet --serve-episodes --port 0` on a few calculator tasks and resolves once the service listens. */
function startTrainer(options: { steps: number; episodeTimeoutS: number }): Promise<Trainer> {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-episode-service-'));
  const conf = join(folder, 'conf.yaml');
  writeFileSync(
    conf,
    `ajet:
  model:
    path: builtin:tinylm-calculator
  task_reader:
    type: dataset_file
    dataset_file:
      training:
        file_path: ${DATA}/train.jsonl
      validation:
        file_path: ${DATA}/validation.jsonl
  rollout:
    num_repeat: 2
    max_tokens: 64
    episode_timeout_s: ${options.episodeTimeoutS}
    multi_turn:
      max_steps: 3
  task_judge:
    judge_protocol: math_answer
  data:
    train_batch_size: 2
  trainer_common:
    total_training_steps: ${options.steps}
    val_before_train: false
    test_freq: 0
    save_freq: 0
    logger: [jsonl]
  debug:
    debug_first_n_tasks: 16
  episode_service:
    tool_call_format: calculator_tag
    max_open_episodes: 8
`,
  );
  const dir = join(folder, 'run');
  const child = spawn(
    process.execPath,
    [AJET_BIN, '--conf', conf, '--backbone', 'debug', '--experiment-dir', dir, '--serve-episodes', '--port', '0'],
    { cwd: REPO_ROOT, env: { ...process.env, AJET_EPISODE_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.on('close', (code) => resolve({ code, stderr }));
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  exited.finally(() => clearTimeout(killer));
  child.stdout?.resume();
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const url = /episode service at (\S+)/.exec(stderr)?.[1];
      if (url) resolve({ child, url, dir, exited });
    });
    exited.then(({ code }) => reject(new Error(`ajet exited (${code}) before serving: ${stderr}`)));
  });
}

/** An ordinary AI SDK agent: generateText with a calculator tool and stopWhen; it sends its own reward. */
async function aiSdkAgent(episode: Episode): Promise<void> {
  const calculator = new CalculatorTool();
  const { text } = await generateText({
    model: episode.languageModel(),
    system: SYSTEM,
    prompt: episode.task.mainQuery,
    tools: {
      calculator: tool({
        description: calculator.description,
        inputSchema: z.object({ expression: z.string() }),
        execute: ({ expression }) =>
          calculator.execute({ expression }, { episodeId: episode.id, signal: episode.signal }),
      }),
    },
    stopWhen: stepCountIs(episode.maxSteps),
    maxOutputTokens: 64,
    maxRetries: 0,
    abortSignal: episode.signal,
  });
  await episode.end({ reward: closeness(text, String(episode.task.metadata.answer)), finalAnswer: text });
}

/** The client's own reward: 1 for the reference number, less the further the last number in the text is from it. */
function closeness(text: string, reference: string): number {
  const last = text.match(/-?\d+(?:\.\d+)?/g)?.at(-1);
  if (last === undefined) return 0;
  const answer = Number(reference);
  return Math.exp(-Math.abs(Number(last) - answer) / Math.max(1, Math.abs(answer)));
}

async function runTsClient(url: string, clientId: string): Promise<number> {
  const ajet = new AjetClient({ url, token: TOKEN, clientId, waitS: 5 });
  let ended = 0;
  for await (const episode of ajet.episodes()) {
    await aiSdkAgent(episode);
    ended += 1;
  }
  return ended;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

function trainMetrics(dir: string): Record<string, number>[] {
  return readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl'))
    .filter((record) => record.phase === 'train')
    .map((record) => record.metrics);
}

/** Every episode of the run's trajectory files. */
function episodes(dir: string, steps: number): EpisodeRecord[] {
  return Array.from({ length: steps }, (_, index) => join(dir, 'trajectories', `step-${index + 1}.jsonl`))
    .filter((file) => existsSync(file))
    .flatMap((file) => readJsonl<EpisodeRecord>(file));
}

/** Samples as an in-process workflow's: the mask is 1 exactly on sampled tokens, which carry finite logprobs. */
function expectExactSamples(record: EpisodeRecord): void {
  expect(record.sequences.length).toBeGreaterThan(0);
  for (const sequence of record.sequences) {
    expect(sequence.lossMask).toHaveLength(sequence.tokenIds.length);
    expect(sequence.logprobs).toHaveLength(sequence.tokenIds.length);
    const sampled = sequence.lossMask.filter((bit) => bit === 1).length;
    expect(sampled).toBeGreaterThan(0);
    expect(sampled).toBeLessThan(sequence.tokenIds.length);
    sequence.lossMask.forEach((bit, index) => {
      const logprob = sequence.logprobs[index] ?? Number.NaN;
      if (bit === 1) expect(Number.isFinite(logprob) && logprob <= 0).toBe(true);
      else expect(logprob).toBe(0);
    });
  }
  // Each sampled token is a completion token of one of the recorded calls.
  const completions = record.calls.reduce((total, call) => total + call.completionTokens, 0);
  const masked = record.sequences.reduce((total, sequence) => total + sequence.lossMask.filter(Boolean).length, 0);
  expect(masked).toBe(completions);
}

describe('the episode service (ajet --serve-episodes)', () => {
  it('trains from a TypeScript AI SDK agent and a Python openai agent claiming in parallel', async () => {
    // The backend's venv (backend/scripts/setup_venv.sh) has the `openai` pip package pinned.
    expect(pythonBackendMissing).toBeUndefined();
    const steps = 2;
    const trainer = await startTrainer({ steps, episodeTimeoutS: 60 });
    // The TypeScript client starts once Python has imported `openai` (a second or more on a busy machine): started
    // together, the TypeScript client could run all 8 episodes and the trainer close before Python's first claim.
    let pythonReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      pythonReady = resolve;
    });
    const pythonRun = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(BACKEND_PYTHON, [join(FIXTURES, 'python_client.py'), trainer.url, TOKEN], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"ready"')) pythonReady();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', (code) => {
        pythonReady();
        resolve({ code, stdout, stderr });
      });
    });
    const [tsEnded, pythonResult, run] = await Promise.all([
      ready.then(() => runTsClient(trainer.url, 'ts-ai-sdk')),
      pythonRun,
      trainer.exited,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(pythonResult.code, pythonResult.stderr).toBe(0);
    const pythonEnded = (JSON.parse(pythonResult.stdout.trim().split('\n').at(-1) ?? '{}') as { ended: number }).ended;
    // 2 steps × 2 tasks × 2 repeats, every one ended by one of the two clients.
    expect(tsEnded + pythonEnded).toBe(8);
    expect(tsEnded).toBeGreaterThan(0);
    expect(pythonEnded).toBeGreaterThan(0);
    const metrics = trainMetrics(trainer.dir);
    expect(metrics).toHaveLength(steps);
    for (const step of metrics) expect(step['episodes/failed']).toBe(0);
    const records = episodes(trainer.dir, steps);
    expect(records).toHaveLength(8);
    for (const record of records) {
      expect(record.error).toBeUndefined();
      expectExactSamples(record);
    }
    // The AI SDK agent called the calculator: the model's <calculator> text came back to it as a tool call, and the
    // tool's reply continued the same sample (one sequence, the reply's tokens masked out).
    const toolUsers = records.filter((record) => record.messages.some((message) => message.role === 'tool'));
    expect(toolUsers.length).toBeGreaterThan(0);
    for (const record of toolUsers) expect(record.sequences).toHaveLength(1);
    // The Python agent's episodes went through the trainer's judge (math_answer on its final answer).
    expect(records.filter((record) => record.judgeDetails !== undefined)).toHaveLength(pythonEnded);
    expect(metrics.reduce((total, step) => total + (step['groups/trained'] ?? 0), 0)).toBeGreaterThan(0);
  });

  it('fails and counts the episodes of a client that claims and dies; the rest of the run trains', async () => {
    const steps = 2;
    // The deadline leaves the survivor time to start after the dying client on a loaded machine.
    const trainer = await startTrainer({ steps, episodeTimeoutS: 10 });
    const dier = await runNode(['--import', 'tsx', join(FIXTURES, 'claim-and-die.ts'), trainer.url, TOKEN, '2'], {
      timeoutMs: 60_000,
    });
    const dead = JSON.parse(dier.stdout.trim()) as string[];
    expect(dead, dier.stderr).toHaveLength(2);
    const [tsEnded, run] = await Promise.all([runTsClient(trainer.url, 'survivor'), trainer.exited]);
    expect(run.code, run.stderr).toBe(0);
    expect(tsEnded).toBe(2 * 2 * steps - dead.length);
    expect(run.stderr).toMatch(/claimed by dies was not ended before its deadline/);
    const metrics = trainMetrics(trainer.dir);
    expect(metrics.reduce((total, step) => total + (step['episodes/failed'] ?? 0), 0)).toBe(dead.length);
    expect(metrics.reduce((total, step) => total + (step['groups/trained'] ?? 0), 0)).toBeGreaterThan(0);
    const records = episodes(trainer.dir, steps);
    const failed = records.filter((record) => record.error);
    expect(failed.map((record) => record.episodeId).sort()).toEqual([...dead].sort());
    for (const record of failed) expect(record.error?.kind).toBe('timeout');
    // The dead client's one model call was still recorded exactly; the others' episodes trained as usual.
    for (const record of records) expectExactSamples(record);
  });
});
