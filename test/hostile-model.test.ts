import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENERS, runAgainstHostileEndpoint } from '../bench/internal/hostile-endpoint.ts';

describe('a hostile model (issue 21: no model output may crash a run)', () => {
  it('runs the calculator tutorial against a model that attacks its sandbox, judge and reply template', async () => {
    // One episode per attack kind: a 700 MB reply flood and forged replies on the worker's stolen socket, a
    // detaching fork storm, /tmp filled past the memory limit, `$` patterns in tool output, \boxed{ones(30000,30000)},
    // a power tower, a calculator overflow.
    const run = await runAgainstHostileEndpoint({
      folder: mkdtempSync(join(tmpdir(), 'ajet-hostile-')),
      steps: 1,
      tasksPerStep: 2,
      repeats: OPENERS.length / 2,
    });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(run.episodes).toBe(OPENERS.length);
    // Every attack is contained as an answer the judge scores 0, not a crashed episode or run.
    expect(run.zeroReward + run.failed).toBe(OPENERS.length);
    expect(run.dollarsVerbatim).toBe(1);
  }, 240_000);
});
