import { describe, expect, it } from 'vitest';
import { type EpisodeLine, episodeFilters, filterEpisodes, toEpisodeView, tokenKinds } from './episode-view.ts';

function episodeLine(overrides: Partial<EpisodeLine> = {}): EpisodeLine {
  // system+user prompt (4 tokens), sampled call (3), tool reply in the template (4), sampled answer (2)
  const texts = [
    '<s>',
    'user',
    ' 2+3',
    '\n',
    '<calc>',
    '2+3',
    '</calc>',
    '\n',
    '<output>5</output>',
    '\n',
    '<a>',
    'The answer',
    ' is 5',
  ];
  const lossMask = [0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1];
  return {
    step: 2,
    split: 'train',
    episodeId: 'train-s2-t0-r1',
    taskId: '0',
    taskTag: 'T0#R1',
    repeatIndex: 1,
    reward: 1,
    isSuccess: true,
    advantage: 0.5,
    trained: true,
    judgeDetails: { reason: 'numeric_equal' },
    finalAnswer: 'The answer is 5',
    messages: [
      { role: 'user', content: '2+3' },
      { role: 'assistant', content: '<calc>2+3</calc>', toolCalls: [{ name: 'calculator', arguments: '{}' }] },
      { role: 'user', content: '<output>5</output>' },
      { role: 'assistant', content: 'The answer is 5' },
    ],
    sequences: [
      {
        tokenIds: texts.map((_, index) => 100 + index),
        lossMask,
        logprobs: lossMask.map((mask) => (mask === 1 ? -0.1 : 0)),
      },
    ],
    tokenTexts: [texts],
    ...overrides,
  };
}

describe('tokenKinds', () => {
  it('marks sampled tokens, the tool reply between sampled stretches, and leaves the prompt and template masked', () => {
    const line = episodeLine();
    const kinds = tokenKinds({
      lossMask: line.sequences[0]!.lossMask,
      texts: line.tokenTexts![0],
      toolOutputs: ['<output>5</output>'],
    });
    expect(kinds).toBe('ppppssspoppss');
  });

  it('marks the whole stretch as tool output when there is no decoded text', () => {
    expect(tokenKinds({ lossMask: [0, 1, 0, 0, 1, 0], texts: undefined, toolOutputs: ['x'] })).toBe('psoosp');
  });

  it('skips tool replies that were already in the prompt of a later sequence', () => {
    const kinds = tokenKinds({
      lossMask: [0, 0, 1, 0, 0, 1],
      texts: ['A', 'B', 'c', '\n', 'B2', 'd'],
      toolOutputs: ['A', 'B2'],
    });
    expect(kinds).toBe('ppspos');
  });

  it('has no tool output in a sequence that never sampled', () => {
    expect(tokenKinds({ lossMask: [0, 0, 0], texts: ['a', 'b', 'c'], toolOutputs: ['b'] })).toBe('ppp');
  });
});

describe('toEpisodeView', () => {
  it('counts trained tokens and flags the tool reply that answers a tool call', () => {
    const view = toEpisodeView(episodeLine());
    expect(view.trainedTokens).toBe(5);
    expect(view.messages.map((message) => message.isToolOutput)).toEqual([false, false, true, false]);
    expect(view.sequences[0]?.texts[8]).toBe('<output>5</output>');
    expect(view.filters).toEqual(['all']);
  });

  it('shows token ids where the texts are missing or do not match the sequence', () => {
    const view = toEpisodeView(episodeLine({ tokenTexts: [['only one']] }));
    expect(view.sequences[0]?.texts[0]).toBe('#100');
  });
});

describe('episode filters', () => {
  const views = [
    toEpisodeView(episodeLine({ episodeId: 'ok' })),
    toEpisodeView(episodeLine({ episodeId: 'wrong', isSuccess: false, reward: 0 })),
    toEpisodeView(episodeLine({ episodeId: 'partial', isSuccess: false, reward: 0.4 })),
    toEpisodeView(
      episodeLine({ episodeId: 'crashed', isSuccess: false, reward: 0, error: { kind: 'workflow', message: 'boom' } }),
    ),
  ];

  it('failed: not a success or errored', () => {
    expect(filterEpisodes(views, 'failed').map((view) => view.episodeId)).toEqual(['wrong', 'partial', 'crashed']);
  });

  it('zero-reward and error', () => {
    expect(filterEpisodes(views, 'zero-reward').map((view) => view.episodeId)).toEqual(['wrong', 'crashed']);
    expect(filterEpisodes(views, 'error').map((view) => view.episodeId)).toEqual(['crashed']);
    expect(filterEpisodes(views, 'all')).toHaveLength(4);
  });

  it('an errored episode that the judge still called a success is failed', () => {
    expect(episodeFilters({ isSuccess: true, reward: 1, error: { kind: 'judge', message: 'x' } })).toContain('failed');
  });
});
