import { type PluginContext, pluginReferenceSetting, settingPath } from '@ajet/spec';
import { z } from 'zod';

/** Keeps what it was built with: marked paths, an unmarked `./` text, and its context's folder. */
export class PathJudge {
  static settings = z.strictObject({
    rubric_file: settingPath({ mustExist: 'file' }).optional(),
    prompt: z.string().default(''),
  });
  readonly configDir: string;
  constructor(
    readonly settings: { rubric_file?: string; prompt: string },
    context: PluginContext,
  ) {
    this.configDir = context.configDir;
  }
  async computeReward() {
    return { rawReward: 1, isSuccess: true };
  }
}

/** Loads its judges through the context, like the built-in weighted judge. */
export class CombiningJudge {
  static settings = z.strictObject({
    judges: z.array(z.strictObject({ judge: pluginReferenceSetting(), settings: z.unknown().optional() })),
  });
  readonly parts: Promise<unknown[]>;
  constructor(
    readonly settings: { judges: { judge: string; settings?: unknown }[] },
    context: PluginContext,
  ) {
    this.parts = Promise.all(
      settings.judges.map((entry, index) =>
        context.load(entry.judge, 'judge', entry.settings, {
          keyPath: `judges.${index}.settings`,
          referenceKeyPath: `judges.${index}.judge`,
        }),
      ),
    );
    // Settled here so a rejection a test awaits later is never reported as unhandled.
    this.parts.catch(() => undefined);
  }
  async computeReward() {
    return { rawReward: 1, isSuccess: true };
  }
}
