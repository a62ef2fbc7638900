import type { Backbone, Workflow } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';

export const PROMPT_TOKENS = 500;
export const COMPLETION_TOKENS = 100;
/** Tokens a follow-up turn renders after the prefix. */
export const INCREMENT_TOKENS = 20;

/**
 * Answers at once with fixed tokens (a 500-token prompt, 20 tokens per later turn, 100-token completions) and
 * trains nothing (loss 0), keeping no record of calls: what is measured is the caller.
 */
export function nullBackbone(): Backbone {
  const ids = (length: number) => Array.from({ length }, (_, index) => index % 250);
  const prompt = ids(PROMPT_TOKENS);
  const increment = ids(INCREMENT_TOKENS);
  const tokenIds = Array.from({ length: COMPLETION_TOKENS }, (_, index) => 97 + (index % 26));
  const completions = [{ tokenIds, logprobs: tokenIds.map(() => -0.1), text: 'x', finishReason: 'stop' as const }];
  return Object.assign(new RecordingBackbone(), {
    renderChat: async ({ prefix }: { prefix?: unknown }) => ({ tokenIds: prefix ? increment : prompt }),
    sample: async () => ({ completions, policyVersion: 0 }),
    sampleChat: async ({ prefix }: { prefix?: unknown }) => ({
      renderedIds: prefix ? increment : prompt,
      completions,
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
