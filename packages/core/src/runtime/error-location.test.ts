import { describe, expect, it } from 'vitest';
import { AJET_PACKAGES_DIR, userFrame } from './error-location.ts';

function errorWithStack(frames: readonly string[]): Error {
  const error = new Error('boom');
  error.stack = ['Error: boom', ...frames.map((frame) => `    at ${frame}`)].join('\n');
  return error;
}

describe('userFrame', () => {
  it('is the first frame in a user file, past node internals, node_modules and ajet itself', () => {
    const error = errorWithStack([
      'JSON.parse (<anonymous>)',
      'parse (node:internal/process/task_queues:95:5)',
      'helper (/home/me/project/node_modules/lodash/index.js:3:1)',
      `EpisodeTuner.chat (${AJET_PACKAGES_DIR}core/src/runtime/episode-tuner.ts:120:11)`,
      'async MyJudge.computeReward (/home/me/project/my_judge.ts:12:11)',
      'async runEpisode (/home/me/project/other.ts:1:1)',
    ]);
    expect(userFrame(error, { cwd: '/home/me/project' })).toBe('my_judge.ts:12:11');
  });

  it('reads file URLs and frames without a function name; keeps a path outside cwd absolute', () => {
    expect(userFrame(errorWithStack(['file:///srv/agents/agent.ts:7:3']), { cwd: '/home/me' })).toBe(
      '/srv/agents/agent.ts:7:3',
    );
    expect(userFrame(errorWithStack(['Agent.run (file:///home/me/a%20b/agent.ts:7:3)']), { cwd: '/home/me' })).toBe(
      'a b/agent.ts:7:3',
    );
  });

  it('is undefined when every frame is ajet or node, or there is no stack', () => {
    const error = errorWithStack([`checkReward (${AJET_PACKAGES_DIR}core/src/runtime/check-reward.ts:1:1)`]);
    expect(userFrame(error, { cwd: '/' })).toBeUndefined();
    expect(userFrame('a string', { cwd: '/' })).toBeUndefined();
    const noStack = new Error('x');
    noStack.stack = undefined;
    expect(userFrame(noStack, { cwd: '/' })).toBeUndefined();
  });

  it('finds the frame of a real error thrown in this test file (outside ajet packages when vendored elsewhere)', () => {
    // This file lives in ajet's own packages folder, so its frames count as ajet's.
    expect(userFrame(new Error('here'), { cwd: '/' })).toBeUndefined();
  });
});
