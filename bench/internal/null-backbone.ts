import type { Backbone, Workflow } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';

export const PROMPT_TOKENS = 500;
export const COMPLETION_TOKENS = 100;

/**
 * Answers at once with fixed tokens (a 500-token prompt, 100-token completions) and trains nothing (loss 0),
 * keeping no record of calls: what is measured is the caller.
 */
export function nullBackbone(): Backbone {
  const completion = Array.from({ length: COMPLETION_TOKENS }, (_, index) => 97 + (index % 26));
  return Object.assign(new RecordingBackbone(), {
    renderChat: async ({ prefix }: { prefix?: unknown }) => ({
      tokenIds: Array.from({ length: prefix ? 20 : PROMPT_TOKENS }, (_, index) => index % 250),
    }),
    sample: async () => ({
      completions: [
        { tokenIds: completion, logprobs: completion.map(() => -0.1), text: 'x', finishReason: 'stop' as const },
      ],
      policyVersion: 0,
    }),
    forwardBackward: async () => ({ loss: 0, metrics: {} }),
    optimStep: async () => ({ policyVersion: 0, gradNorm: 0 }),
  });
}

/** `turns` model calls with a tool reply between them; each call's latency goes into `latencies` when given. */
export function multiTurnWorkflow(turns: number, latencies?: number[]): Workflow {
  return {
    async execute(task, tuner) {
      const messages = [{ role: 'user' as const, content: task.task.mainQuery }];
      for (let turn = 0; turn < turns; turn++) {
        const begin = performance.now();
        const reply = await tuner.chat({ messages });
        latencies?.push(performance.now() - begin);
        messages.push(reply.message as (typeof messages)[number], { role: 'user', content: `tool output ${turn}` });
      }
      return { reward: 1, metadata: {} };
    },
  };
}
