import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { episodeResult } from './__fixtures__/episode-results.ts';
import { episodeRecords, pickEpisodes } from './episode-records.ts';

describe('pickEpisodes', () => {
  it('takes round-robin over the groups so a short file shows many tasks', () => {
    const groups = [['a0', 'a1', 'a2'], ['b0'], ['c0', 'c1']];
    expect(pickEpisodes(groups, 4)).toEqual(['a0', 'b0', 'c0', 'a1']);
    expect(pickEpisodes(groups, 100)).toEqual(['a0', 'b0', 'c0', 'a1', 'c1', 'a2']);
    expect(pickEpisodes([], 3)).toEqual([]);
  });
});

describe('episodeRecords', () => {
  it('records what the step planned for each episode, with token texts from the backbone', async () => {
    const result = episodeResult({ taskId: 'x', repeatIndex: 1, reward: 1 });
    const [record] = await episodeRecords({
      step: 3,
      episodes: [[{ result, advantage: 0.5, trained: true }]],
      limit: 8,
      backbone: new RecordingBackbone(),
    });
    expect(record).toMatchObject({
      step: 3,
      episodeId: 'train-s1-tx-r1',
      taskTag: 'Tx#R1',
      advantage: 0.5,
      trained: true,
      reward: 1,
      calls: [{ finishReason: 'stop', policyVersion: 0, promptTokens: 2, completionTokens: 2 }],
      durationMs: 5,
    });
    expect(record?.tokenTexts?.[0]).toHaveLength(4);
    const [withoutBackbone] = await episodeRecords({
      step: 3,
      episodes: [[{ result, advantage: 0, trained: false }]],
      limit: 8,
    });
    expect(withoutBackbone?.tokenTexts).toBeUndefined();
  });
});
