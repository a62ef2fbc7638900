import { AjetError, type MetricsRecord, type RolloutError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { NothingTrainedWatch } from './nothing-trained.ts';

function step(step: number, metrics: Record<string, number>): MetricsRecord {
  return {
    step,
    phase: 'train',
    time: 0,
    metrics: { 'episodes/total': 4, 'episodes/failed': 0, 'groups/total': 2, 'groups/skipped': 0, ...metrics },
  };
}

const failure = (taskTag: string, kind: RolloutError['kind'] = 'workflow'): RolloutError => ({
  kind,
  message: 'boom (at agent.ts:3:9)',
  taskTag,
  episodeId: taskTag,
});

function watch(options: { trainable?: boolean; failIfNothingTrained?: boolean } = {}) {
  const warnings: string[] = [];
  const nothingTrained = new NothingTrainedWatch({
    trainable: options.trainable ?? true,
    failIfNothingTrained: options.failIfNothingTrained ?? true,
    warn: (message) => warnings.push(message),
  });
  return { nothingTrained, warnings };
}

function thrown(run: () => void): AjetError {
  try {
    run();
  } catch (error) {
    if (error instanceof AjetError) return error;
    throw error;
  }
  throw new Error('expected an AjetError');
}

describe('NothingTrainedWatch', () => {
  it('warns once, at the first step that trained nothing, with why', () => {
    const { nothingTrained, warnings } = watch();
    for (const tag of ['T0#R0', 'T0#R1', 'T1#R0', 'T1#R1']) nothingTrained.noteError(failure(tag));
    nothingTrained.afterStep(step(1, { 'episodes/failed': 4, 'tokens/trained': 0 }));
    nothingTrained.afterStep(step(2, { 'episodes/failed': 4, 'tokens/trained': 0 }));
    expect(warnings).toEqual([
      'step 1 trained nothing: 4 of 4 episodes failed (workflow 4); first: episode T0#R0 (workflow): boom (at agent.ts:3:9)',
    ]);
  });

  it('says when no episode failed but every group had equal rewards', () => {
    const { nothingTrained, warnings } = watch();
    nothingTrained.afterStep(step(1, { 'groups/skipped': 2, 'tokens/trained': 0 }));
    expect(warnings[0]).toBe(
      "step 1 trained nothing: 2 of 2 groups had equal rewards (no advantage to learn from); check the judge's rewards in trajectories/step-1.jsonl",
    );
  });

  it('ends a run that trained nothing with NOTHING_TRAINED and a summary', () => {
    const { nothingTrained } = watch();
    nothingTrained.noteError(failure('T0#R0', 'judge'));
    nothingTrained.noteError(failure('T0#R1', 'timeout'));
    nothingTrained.afterStep(step(1, { 'episodes/failed': 2, 'groups/skipped': 1, 'tokens/trained': 0 }));
    nothingTrained.afterStep(step(2, { 'episodes/failed': 0, 'groups/skipped': 2, 'tokens/trained': 0 }));
    const error = thrown(() => nothingTrained.finish());
    expect(error.code).toBe('NOTHING_TRAINED');
    expect(error.message).toBe(
      'The run trained nothing: no step of 2 trained a sample; 2 of 8 episodes failed (judge 1, timeout 1), 3 of 4 groups had equal rewards; first failure: episode T0#R0 (judge): boom (at agent.ts:3:9) Fix the cause above (trajectories/step-N.jsonl has every episode), or set trainer_common.fail_if_nothing_trained: false to let such a run end normally.',
    );
  });

  it('is quiet about a run that trained in any step', () => {
    const { nothingTrained, warnings } = watch();
    nothingTrained.afterStep(step(1, { 'episodes/failed': 4, 'tokens/trained': 0 }));
    nothingTrained.afterStep(step(2, { 'tokens/trained': 120 }));
    expect(() => nothingTrained.finish()).not.toThrow();
    expect(warnings).toHaveLength(1);
  });

  it('only warns at the end when fail_if_nothing_trained is false', () => {
    const { nothingTrained, warnings } = watch({ failIfNothingTrained: false });
    nothingTrained.afterStep(step(1, { 'episodes/failed': 4, 'tokens/trained': 0 }));
    expect(() => nothingTrained.finish()).not.toThrow();
    expect(warnings.at(-1)).toMatch(/^The run trained nothing: no step of 1 trained a sample; 4 of 4 episodes failed/);
  });

  it('only warns about a resumed run, whose steps before the resume may have trained', () => {
    const warnings: string[] = [];
    const nothingTrained = new NothingTrainedWatch({
      trainable: true,
      failIfNothingTrained: true,
      resumedFromStep: 3,
      warn: (message) => warnings.push(message),
    });
    nothingTrained.afterStep(step(4, { 'groups/skipped': 2, 'tokens/trained': 0 }));
    expect(() => nothingTrained.finish()).not.toThrow();
    expect(warnings.at(-1)).toMatch(
      /^The run trained nothing: no step of 1 since the resume after step 3 trained a sample; 2 of 2 groups had equal rewards/,
    );
  });

  it('never judges a policy that cannot train, or a run that ran no step', () => {
    const endpoint = watch({ trainable: false });
    endpoint.nothingTrained.afterStep(step(1, { 'episodes/failed': 4, 'tokens/trained': 0 }));
    expect(() => endpoint.nothingTrained.finish()).not.toThrow();
    expect(endpoint.warnings).toEqual([]);
    expect(() => watch().nothingTrained.finish()).not.toThrow();
  });
});
