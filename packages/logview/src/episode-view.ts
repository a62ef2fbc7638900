import type { EpisodeFilter, EpisodeView, MessageView, SequenceView } from './report-data.ts';

/** The part of an `EpisodeRecord` line the viewer reads; older or partial lines fill in defaults. */
export interface EpisodeLine {
  step: number;
  split: string;
  episodeId: string;
  taskId: string;
  taskTag: string;
  repeatIndex: number;
  reward: number | null;
  isSuccess: boolean;
  advantage: number | null;
  trained: boolean;
  judgeDetails?: Record<string, unknown> | undefined;
  finalAnswer?: string | undefined;
  error?: { kind: string; message: string } | undefined;
  durationMs?: number | undefined;
  messages: {
    role: string;
    content: string;
    toolCalls?: { name: string; arguments: string }[] | undefined;
    malformedToolCalls?: unknown[] | undefined;
  }[];
  sequences: { tokenIds: number[]; lossMask: number[]; logprobs: number[] }[];
  tokenTexts?: string[][] | undefined;
}

/** The filters an episode passes: `failed` (not a success, or errored), `zero-reward`, `error` (rollout error). */
export function episodeFilters(episode: Pick<EpisodeLine, 'isSuccess' | 'reward' | 'error'>): EpisodeFilter[] {
  const filters: EpisodeFilter[] = ['all'];
  if (!episode.isSuccess || episode.error) filters.push('failed');
  if (episode.reward === 0) filters.push('zero-reward');
  if (episode.error) filters.push('error');
  return filters;
}

export function filterEpisodes<T extends { filters: readonly EpisodeFilter[] }>(
  episodes: readonly T[],
  filter: EpisodeFilter,
): T[] {
  return episodes.filter((episode) => episode.filters.includes(filter));
}

function messageViews(messages: EpisodeLine['messages']): MessageView[] {
  return messages.map((message, index) => {
    const previous = index > 0 ? messages[index - 1] : undefined;
    const answersToolCall =
      previous?.role === 'assistant' &&
      message.role !== 'assistant' &&
      ((previous.toolCalls?.length ?? 0) > 0 || (previous.malformedToolCalls?.length ?? 0) > 0);
    return {
      role: message.role,
      content: message.content,
      toolCalls: (message.toolCalls ?? []).map((call) => ({ name: call.name, arguments: call.arguments })),
      malformedToolCalls: message.malformedToolCalls?.length ?? 0,
      isToolOutput: message.role === 'tool' || answersToolCall,
    };
  });
}

/**
 * Classifies each token: `s` where the loss mask is 1, `o` for tool output, `p` for everything else masked.
 * Tool output is found in the masked stretches between sampled ones by locating the tool messages' text in the
 * decoded tokens; without decoded text (or when the text is not found) the whole stretch counts as tool output.
 */
export function tokenKinds(options: {
  lossMask: readonly number[];
  texts: readonly string[] | undefined;
  toolOutputs: readonly string[];
}): string {
  const { lossMask, texts } = options;
  const kinds = lossMask.map((mask) => (mask === 1 ? 's' : 'p'));
  const pending = [...options.toolOutputs];
  const firstSampled = lossMask.indexOf(1);
  if (firstSampled < 0) return kinds.join('');
  let index = firstSampled;
  while (index < lossMask.length) {
    if (lossMask[index] === 1) {
      index += 1;
      continue;
    }
    let end = index;
    while (end < lossMask.length && lossMask[end] !== 1) end += 1;
    // A masked stretch after sampling began and before the next sampled token: the environment's turn.
    if (end < lossMask.length) markToolOutput({ kinds, texts, start: index, end, pending });
    index = end;
  }
  return kinds.join('');
}

function markToolOutput(options: {
  kinds: string[];
  texts: readonly string[] | undefined;
  start: number;
  end: number;
  pending: string[];
}): void {
  const { kinds, texts, start, end, pending } = options;
  const markAll = () => {
    for (let index = start; index < end; index++) kinds[index] = 'o';
  };
  if (!texts) {
    markAll();
    return;
  }
  const offsets: number[] = [];
  let joined = '';
  for (let index = start; index < end; index++) {
    offsets.push(joined.length);
    joined += texts[index] ?? '';
  }
  // The first tool reply not yet placed whose text this stretch holds; replies before it were in the prompt.
  const position = pending.findIndex((output) => output.length > 0 && joined.includes(output));
  if (position < 0) {
    markAll();
    return;
  }
  const wanted = pending[position] ?? '';
  pending.splice(0, position + 1);
  const found = joined.indexOf(wanted);
  const foundEnd = found + wanted.length;
  for (let index = start; index < end; index++) {
    const tokenStart = offsets[index - start] ?? 0;
    const tokenEnd = tokenStart + (texts[index] ?? '').length;
    if (tokenEnd > found && tokenStart < foundEnd) kinds[index] = 'o';
  }
}

/** What the page draws for one episode: its messages, its tokens classified, and the filters it passes. */
export function toEpisodeView(line: EpisodeLine): EpisodeView {
  const messages = messageViews(line.messages);
  const toolOutputs = messages.filter((message) => message.isToolOutput).map((message) => message.content);
  let trainedTokens = 0;
  const sequences: SequenceView[] = line.sequences.map((sequence, sequenceIndex) => {
    const decoded = line.tokenTexts?.[sequenceIndex];
    const texts =
      decoded && decoded.length === sequence.tokenIds.length ? decoded : sequence.tokenIds.map((id) => `#${id}`);
    for (const mask of sequence.lossMask) if (mask === 1) trainedTokens += 1;
    return {
      tokenIds: sequence.tokenIds,
      lossMask: sequence.lossMask,
      logprobs: sequence.logprobs,
      texts,
      kinds: tokenKinds({ lossMask: sequence.lossMask, texts: decoded ? texts : undefined, toolOutputs }),
    };
  });
  return {
    episodeId: line.episodeId,
    taskId: line.taskId,
    taskTag: line.taskTag,
    step: line.step,
    split: line.split,
    repeatIndex: line.repeatIndex,
    reward: line.reward,
    isSuccess: line.isSuccess,
    advantage: line.advantage,
    trained: line.trained,
    judgeDetails: line.judgeDetails ?? null,
    finalAnswer: line.finalAnswer ?? null,
    error: line.error ? { kind: line.error.kind, message: line.error.message } : null,
    durationMs: line.durationMs ?? null,
    messages,
    sequences,
    trainedTokens,
    filters: episodeFilters(line),
  };
}
