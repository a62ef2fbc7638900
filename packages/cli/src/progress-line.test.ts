import { describe, expect, it } from 'vitest';
import { combineObservers, ProgressLine } from './progress-line.ts';

function fakeStream() {
  const writes: string[] = [];
  return { writes, stream: { write: (text: string) => writes.push(text) > 0 } as unknown as NodeJS.WriteStream };
}

describe('ProgressLine', () => {
  it('draws the phase, episodes done of total and an ETA, and clears itself for log lines', () => {
    const { writes, stream } = fakeStream();
    const progress = new ProgressLine(stream);
    const printed: string[] = [];
    const observer = combineObservers(
      {
        onMetrics: () => {
          progress.clear();
          printed.push('step line');
        },
      },
      progress.observer(),
    );
    observer.onRunStart?.({
      mode: 'train',
      totalSteps: 5,
      trainTasks: 10,
      validationTasks: 0,
      trainable: true,
      backbone: {
        model: 'm',
        tokenizer: 't',
        policyVersion: 0,
        capabilities: { trainable: true, lora: false, maxModelLen: 10 },
      },
      policy: 'p',
      experimentDir: '/tmp',
    });
    observer.onPhase?.({ phase: 'rollout', step: 2, episodes: 8 });
    observer.onEpisodeEnd?.({ phase: 'rollout', step: 2, done: 3, total: 8 });
    const line = writes.at(-1) ?? '';
    const clearLine = '\r\u001b[2K';
    expect(line.startsWith(clearLine)).toBe(true);
    expect(line.slice(clearLine.length)).toMatch(/^step 2\/5 rollout █+░+ 3\/8 · \d\d:\d\d elapsed · ETA \d\d:\d\d$/);
    observer.onMetrics?.({ step: 2, phase: 'train', metrics: {}, time: 0 });
    expect(writes.at(-1)).toBe('\r\u001b[2K');
    expect(printed).toEqual(['step line']);
  });
});
