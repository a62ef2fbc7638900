import type { Judge, JudgeResult, PluginContext, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { ConfigError, pluginReferenceSetting } from '@ajet/spec';
import { z } from 'zod';

const weightedSettings = z.strictObject({
  judges: z
    .array(
      z.strictObject({
        /** A built-in name or `"module->Export"`, resolved like `task_judge.judge_protocol`. */
        judge: pluginReferenceSetting(),
        weight: z.number(),
        settings: z.unknown().optional(),
      }),
    )
    .min(1),
  /** The combined reward counts as a success at or above this. */
  success_threshold: z.number().default(1),
});

export type WeightedSettings = z.output<typeof weightedSettings>;

interface WeightedPart {
  reference: string;
  weight: number;
  judge: Judge;
}

function isJudge(value: unknown): value is Judge {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'computeReward') === 'function';
}

async function loadPart(
  context: PluginContext,
  entry: WeightedSettings['judges'][number],
  index: number,
): Promise<WeightedPart> {
  const judge = await context.load<unknown>(entry.judge, 'judge', entry.settings, {
    keyPath: `judges.${index}.settings`,
    referenceKeyPath: `judges.${index}.judge`,
  });
  if (!isJudge(judge)) {
    throw new ConfigError(`judges[${index}] "${entry.judge}" has no computeReward method.`, {
      code: 'JUDGE_NOT_A_JUDGE',
      keyPath: `judges.${index}.judge`,
      hint: 'Name a class that implements Judge.',
    });
  }
  return { reference: entry.judge, weight: entry.weight, judge };
}

/** Sums other judges' rewards with weights (the calculator seed: 0.8 × llm_judge + 0.2 × math_answer). */
export class WeightedJudge implements Judge {
  static readonly settings = weightedSettings;
  private readonly settings: WeightedSettings;
  private readonly parts: Promise<WeightedPart[]>;

  constructor(settings: WeightedSettings, context: PluginContext) {
    this.settings = settings;
    // Started here, so ajet awaits them while loading this judge: a missing one stops the run at start.
    this.parts = Promise.all(settings.judges.map((entry, index) => loadPart(context, entry, index)));
    // Marked handled: built without ajet's loader, a failure surfaces at the first reward instead.
    this.parts.catch(() => undefined);
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const parts = await this.parts;
    const results = await Promise.all(parts.map((part) => part.judge.computeReward(task, output, trajectory)));
    const rawReward = results.reduce((sum, result, index) => sum + (parts[index]?.weight ?? 0) * result.rawReward, 0);
    return {
      rawReward,
      isSuccess: rawReward >= this.settings.success_threshold,
      details: {
        parts: results.map((result, index) => ({
          judge: parts[index]?.reference,
          weight: parts[index]?.weight,
          rawReward: result.rawReward,
          isSuccess: result.isSuccess,
          details: result.details,
        })),
      },
    };
  }
}
