import { z } from 'zod';

export class GoodJudge {
  static settings = z.strictObject({ weight: z.number().default(1) });
  readonly weight: number;
  constructor(settings: { weight: number }) {
    this.weight = settings.weight;
  }
  async computeReward() {
    return { rawReward: this.weight, isSuccess: true };
  }
}

export class NotAJudge {
  async score() {
    return 1;
  }
}

/** Has a tool's method but neither its name nor its parameters schema. */
export class NamelessTool {
  async execute() {
    return 'ok';
  }
}

export const aNumber = 3;

export async function createFixtureBackbone() {
  return { backbone: {}, description: 'fixture backbone' };
}
