import { AjetError, type MetricsRecord, type RolloutError } from '@ajet/spec';

export interface NothingTrainedWatchOptions {
  /** Whether the policy can train at all: an endpoint policy never trains by design and is never judged. */
  trainable: boolean;
  /** `trainer_common.fail_if_nothing_trained`: end such a run with an error rather than "done". */
  failIfNothingTrained: boolean;
  /** The step a resumed run continued after: the steps before it may have trained, so this run only warns. */
  resumedFromStep?: number;
  warn(message: string): void;
}

interface Tally {
  steps: number;
  episodes: number;
  failed: number;
  groups: number;
  equalRewardGroups: number;
  failuresByKind: Map<string, number>;
  firstFailure?: RolloutError;
}

function emptyTally(): Tally {
  return { steps: 0, episodes: 0, failed: 0, groups: 0, equalRewardGroups: 0, failuresByKind: new Map() };
}

/** `4 of 4 episodes failed (workflow 4), 1 of 2 groups had equal rewards; first failure: …`: why nothing trained. */
function why(tally: Tally, firstLabel: string): string {
  const parts: string[] = [];
  if (tally.failed > 0) {
    const kinds = [...tally.failuresByKind].map(([kind, count]) => `${kind} ${count}`).join(', ');
    parts.push(`${tally.failed} of ${tally.episodes} episodes failed${kinds ? ` (${kinds})` : ''}`);
  }
  if (tally.equalRewardGroups > 0) {
    parts.push(`${tally.equalRewardGroups} of ${tally.groups} groups had equal rewards`);
  }
  const { firstFailure } = tally;
  const first = firstFailure
    ? `; ${firstLabel}: episode ${firstFailure.taskTag} (${firstFailure.kind}): ${firstFailure.message}`
    : '';
  return `${parts.join(', ') || 'no episode produced a trainable token'}${first}`;
}

/**
 * Watches a training run for steps that train no sample (every episode failed, or every group had equal rewards):
 * a loud warning at the first such step, and at the end an error (`NOTHING_TRAINED`) when no step trained, so a
 * run that learned nothing never ends "done" with exit 0.
 */
export class NothingTrainedWatch {
  private readonly options: NothingTrainedWatchOptions;
  private readonly run = emptyTally();
  private step = emptyTally();
  private stepsTrained = 0;
  private warned = false;

  constructor(options: NothingTrainedWatchOptions) {
    this.options = options;
  }

  /** A failed training episode (validation episodes are not counted). */
  noteError(error: RolloutError): void {
    for (const tally of [this.run, this.step]) {
      tally.failuresByKind.set(error.kind, (tally.failuresByKind.get(error.kind) ?? 0) + 1);
      tally.firstFailure ??= error;
    }
  }

  /** After each training step, with its metrics record. */
  afterStep(record: MetricsRecord): void {
    const metrics = record.metrics;
    const trained = (metrics['tokens/trained'] ?? 0) > 0;
    for (const tally of [this.run, this.step]) {
      tally.steps += 1;
      tally.episodes += metrics['episodes/total'] ?? 0;
      tally.failed += metrics['episodes/failed'] ?? 0;
      tally.groups += metrics['groups/total'] ?? 0;
      tally.equalRewardGroups += metrics['groups/skipped'] ?? 0;
    }
    if (trained) this.stepsTrained += 1;
    else if (this.options.trainable && !this.warned) {
      this.warned = true;
      const onlyEqualRewards = this.step.failed === 0 && this.step.equalRewardGroups > 0;
      this.options.warn(
        `step ${record.step} trained nothing: ${why(this.step, 'first')}${
          onlyEqualRewards
            ? ` (no advantage to learn from); check the judge's rewards in trajectories/step-${record.step}.jsonl`
            : ''
        }`,
      );
    }
    this.step = emptyTally();
  }

  /** At the end of a training run: throws (or warns, when so configured) when no step trained a sample. */
  finish(): void {
    if (!this.options.trainable || this.run.steps === 0 || this.stepsTrained > 0) return;
    const resumed = this.options.resumedFromStep ?? 0;
    const which =
      resumed > 0
        ? `no step of ${this.run.steps} since the resume after step ${resumed}`
        : `no step of ${this.run.steps}`;
    const message = `The run trained nothing: ${which} trained a sample; ${why(this.run, 'first failure')}`;
    if (!this.options.failIfNothingTrained || (this.options.resumedFromStep ?? 0) > 0) {
      this.options.warn(message);
      return;
    }
    throw new AjetError(message, {
      code: 'NOTHING_TRAINED',
      blame: this.run.failed > 0 ? 'plugin' : 'user',
      hint: 'Fix the cause above (trajectories/step-N.jsonl has every episode), or set trainer_common.fail_if_nothing_trained: false to let such a run end normally.',
    });
  }
}
