import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import { defineBackboneConformance } from '@ajet/backbone-kit/conformance';
import { BackboneError, type EpisodeRecord, type MetricsRecord } from '@ajet/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  type PythonBackend,
  pythonBackendMissing,
  pythonSays,
  startPythonBackend,
  tinyModelFolder,
} from './helpers/python-backend.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

// The Python backend's own tests (pytest) live in backend/tests; these drive its real server over gRPC with the
// TypeScript conformance suites and a short tutorial run. Model: random weights, Qwen3 tokenizer, no download.
if (pythonBackendMissing) console.warn(`python-backend.test.ts skipped: ${pythonBackendMissing}`);

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as T);
}

describe.skipIf(pythonBackendMissing !== undefined)('the Python backend (python -m ajet_backend serve)', () => {
  let model = '';
  let disposeModel = async () => {};
  const running: PythonBackend[] = [];

  beforeAll(async () => {
    ({ folder: model, dispose: disposeModel } = await tinyModelFolder());
  }, 180_000);

  afterAll(() => disposeModel());

  afterEach(async () => {
    for (const server of running.splice(0)) await server.stop();
  });

  async function serve(
    maxModelLen: number,
    token?: string,
  ): Promise<{ server: PythonBackend; backbone: GrpcBackbone }> {
    const server = await startPythonBackend({ model, maxModelLen, token });
    running.push(server);
    return { server, backbone: new GrpcBackbone({ address: server.address, token, deadlineMs: 120_000 }) };
  }

  defineBackboneConformance({
    name: 'Python backend over gRPC',
    create: async () => {
      // Short prompts only: a small context keeps unbounded samples (no maxTokens) short on CPU.
      const server = await startPythonBackend({ model, maxModelLen: 96, token: 'sesame' });
      return {
        backbone: new GrpcBackbone({ address: server.address, token: 'sesame', deadlineMs: 120_000 }),
        dispose: async () => {
          await server.stop();
          await rm(server.stateRoot, { recursive: true, force: true });
        },
      };
    },
    // Qwen3's chat template drops earlier <think> blocks and adds an empty one to a closing assistant turn, so a
    // prefix plus its increment differs from rendering the whole conversation (backend/README.md).
    incrementalRenderMatchesFull: false,
  });

  it('a Python backend error reaches the TypeScript caller with the code, message and hint Python raised', async () => {
    const { backbone } = await serve(96);
    const { vocabSize } = (await backbone.getInfo()).capabilities;
    // What the Python code itself raises for a state name outside the root and a token id outside the vocabulary.
    const raisedInPython = JSON.parse(
      await pythonSays(`
from ajet_backend.request_checks import RequestLimits, check_sample
from ajet_backend.state_root import state_folder
errors = []
for attempt in (lambda: state_folder("/nonexistent/ajet-state-root", "../outside"), lambda: check_sample({"promptIds": [1, -1], "sampling": {"maxTokens": 1}}, RequestLimits(max_model_len=96, vocab_size=${vocabSize}))):
    try:
        attempt()
    except Exception as error:
        errors.append({"code": error.code, "message": error.message, "hint": error.hint})
print(json.dumps(errors))`),
    ) as { code: string; message: string; hint: string }[];
    const [stateName, outsideVocabulary] = raisedInPython;
    expect(stateName?.code).toBe('STATE_NAME_INVALID');
    expect(outsideVocabulary?.code).toBe('BACKBONE_INVALID_REQUEST');

    try {
      const loadError = await backbone
        .loadState({ path: '../outside', includeOptimizer: false })
        .catch((error) => error);
      expect(loadError).toBeInstanceOf(BackboneError);
      expect(loadError).toMatchObject({ code: stateName?.code, hint: stateName?.hint, retryable: false });
      expect(loadError.message).toContain(stateName?.message);
      const sampleError = await backbone
        .sample({ promptIds: [1, -1], sampling: { maxTokens: 1 } })
        .catch((error) => error);
      expect(sampleError).toMatchObject({ code: outsideVocabulary?.code, hint: outsideVocabulary?.hint });
      expect(sampleError.message).toContain(outsideVocabulary?.message);
    } finally {
      await backbone.close();
    }
  }, 120_000);

  it('trains the calculator tutorial for two steps through --backbone grpc and saves a checkpoint', async () => {
    const { server } = await serve(1024);
    const parent = mkdtempSync(join(tmpdir(), 'ajet-python-tutorial-'));
    const dir = join(parent, 'run');
    onTestFinished(() => rm(parent, { recursive: true, force: true }));
    const judge = join(REPO_ROOT, 'test/fixtures/python-backend/repeat-parity-judge.ts');
    const run = await runAjet(
      [
        '--conf',
        'tutorial/example_calculator_agent/calculator_agent.yaml',
        '--backbone',
        'grpc',
        ...['--set', `backbones.grpc.address=${server.address}`],
        ...['--set', 'trainer_common.total_training_steps=2', '--set', 'data.train_batch_size=1'],
        ...['--set', 'rollout.num_repeat=2', '--set', 'rollout.max_tokens=12'],
        ...['--set', 'trainer_common.val_before_train=false', '--set', 'trainer_common.test_freq=0'],
        ...['--set', 'trainer_common.save_freq=2', '--set', `task_judge.judge_protocol=${judge}->RepeatParityJudge`],
        ...['--seed', '3', '--experiment-dir', dir],
      ],
      { timeoutMs: 180_000 },
    );
    expect(run.code, `${run.stderr}\n--- server ---\n${server.log()}`).toBe(0);
    expect(run.stderr).toMatch(/with grpc 127\.0\.0\.1:\d+ \(model /);

    const metrics = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl'));
    expect(metrics.map((record) => record.step)).toEqual([1, 2]);
    for (const record of metrics) {
      const values = record.metrics;
      expect(values['episodes/failed']).toBe(0);
      expect(Number.isFinite(values['train/loss'])).toBe(true);
      expect(Number.isFinite(values['train/grad_norm'])).toBe(true);
      expect(values['train/policy_version']).toBe(record.step);

      const episodes = readJsonl<EpisodeRecord>(join(dir, 'trajectories', `step-${record.step}.jsonl`));
      expect(episodes).toHaveLength(2);
      let trained = 0;
      let sampled = 0;
      for (const episode of episodes) {
        expect(episode.trained).toBe(true);
        const completionTokens = episode.calls.reduce((sum, call) => sum + call.completionTokens, 0);
        sampled += completionTokens;
        let masked = 0;
        for (const sequence of episode.sequences) {
          expect(sequence.lossMask).toHaveLength(sequence.tokenIds.length);
          expect(sequence.logprobs).toHaveLength(sequence.tokenIds.length);
          sequence.lossMask.forEach((mask, index) => {
            // Sampler logprobs sit exactly on the sampled tokens (a 151k-token vocabulary never gives logprob 0).
            expect(sequence.logprobs[index] !== 0).toBe(mask === 1);
          });
          masked += sequence.lossMask.reduce((sum, mask) => sum + mask, 0);
        }
        // Every sampled token trains once; prompts, template and tool output are masked out.
        expect(masked).toBe(completionTokens);
        trained += masked;
        for (const call of episode.calls) expect(call.policyVersion).toBe(record.step - 1);
      }
      expect(values['tokens/sampled']).toBe(sampled);
      expect(values['tokens/trained']).toBe(trained);
    }
    const checkpoint = join(dir, 'checkpoints', 'step-2');
    expect(readFileSync(join(checkpoint, 'state.json'), 'utf8')).toContain('"step": 2');
    // The weights stay on the server, under its --state-root; backend.json says where.
    const backend = JSON.parse(readFileSync(join(checkpoint, 'backend.json'), 'utf8')) as { path: string };
    expect(backend.path.startsWith(server.stateRoot)).toBe(true);
    expect(existsSync(join(backend.path, 'model.safetensors'))).toBe(true);
    expect(existsSync(join(backend.path, 'trainer_state.pt'))).toBe(true);
    expect(existsSync(join(checkpoint, 'model'))).toBe(false);
  }, 240_000);
});
