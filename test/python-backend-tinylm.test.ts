import { GrpcBackbone } from '@ajet/backbone-grpc';
import { defineBackboneConformance } from '@ajet/backbone-kit/conformance';
import type { ChatMessage } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PythonBackend, pythonBackendMissing, startPythonBackend } from './helpers/python-backend.ts';

// tinylm in the Python backend (backend/ajet_backend/tinylm): `--model builtin:tinylm-calculator` serves the same
// policy as the in-process TinyLmBackbone, so it passes the conformance suite and greedy completions agree.
if (pythonBackendMissing) console.warn(`python-backend-tinylm.test.ts skipped: ${pythonBackendMissing}`);

const MODEL = 'builtin:tinylm-calculator';
// float32 in both, summed in other orders: measured differences are below 1e-5 (backend/tests/test_tinylm.py).
const LOGPROB_TOLERANCE = 1e-4;

describe.skipIf(pythonBackendMissing !== undefined)('the Python backend serving builtin:tinylm-calculator', () => {
  defineBackboneConformance({
    name: 'Python backend, tinylm over gRPC',
    create: async () => {
      const server = await startPythonBackend({ model: MODEL, maxModelLen: 4096, token: 'sesame' });
      return {
        backbone: new GrpcBackbone({ address: server.address, token: 'sesame', deadlineMs: 120_000 }),
        dispose: () => server.stop(),
      };
    },
  });

  let server: PythonBackend;
  beforeAll(async () => {
    server = await startPythonBackend({ model: MODEL, maxModelLen: 4096 });
  }, 120_000);
  afterAll(() => server?.stop());

  it('greedy completions over gRPC equal the in-process tinylm, logprobs within 1e-4', async () => {
    const remote = new GrpcBackbone({ address: server.address, deadlineMs: 120_000 });
    const local = await createTinyLm({ modelPath: MODEL, seed: 1 });
    const prompts: ChatMessage[][] = [
      [{ role: 'user', content: 'What is 48 + 1009?' }],
      [
        { role: 'system', content: 'Use the calculator.' },
        { role: 'user', content: 'Multiply 21 by 2.' },
      ],
      [{ role: 'user', content: 'What is 3.5 - 10?' }],
    ];
    try {
      expect((await remote.getInfo()).model).toBe((await local.getInfo()).model);
      for (const messages of prompts) {
        const { tokenIds: promptIds } = await local.renderChat({ messages });
        expect((await remote.renderChat({ messages })).tokenIds).toEqual(promptIds);
        const request = { promptIds, n: 1, sampling: { temperature: 0, maxTokens: 40 } };
        const [want] = (await local.sample(request)).completions;
        const [got] = (await remote.sample(request)).completions;
        expect(got?.tokenIds).toEqual(want?.tokenIds);
        expect(got?.text).toBe(want?.text);
        expect(got?.finishReason).toBe(want?.finishReason);
        const gaps = (got?.logprobs ?? []).map((value, index) =>
          Math.abs(value - (want?.logprobs[index] ?? Number.NaN)),
        );
        expect(Math.max(...gaps)).toBeLessThan(LOGPROB_TOLERANCE);
      }
    } finally {
      await remote.close();
      await local.close();
    }
  }, 120_000);
});
