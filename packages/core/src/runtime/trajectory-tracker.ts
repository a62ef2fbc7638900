import type { ChatMessage, Completion, ModelCall, TokenSequence, Trajectory } from '@ajet/spec';

function sameToolCalls(a: ChatMessage['toolCalls'], b: ChatMessage['toolCalls']): boolean {
  const left = a ?? [];
  const right = b ?? [];
  return (
    left.length === right.length &&
    left.every((call, index) => {
      const other = right[index];
      return (
        other !== undefined && call.id === other.id && call.name === other.name && call.arguments === other.arguments
      );
    })
  );
}

export function sameMessage(a: ChatMessage, b: ChatMessage): boolean {
  return (
    a.role === b.role &&
    a.content === b.content &&
    (a.toolCallId ?? '') === (b.toolCallId ?? '') &&
    (a.name ?? '') === (b.name ?? '') &&
    sameToolCalls(a.toolCalls, b.toolCalls)
  );
}

/**
 * A call's prompt is the first `promptLength` tokens of its sequence, which only ever grows at the end: it is
 * copied out when first read, so 2,048 five-turn episodes do not each hold five copies of their prefix.
 */
function lazyPrompt(
  fields: Omit<ModelCall, 'promptIds'>,
  source: { tokenIds: readonly number[]; promptLength: number },
): ModelCall {
  const call = {} as ModelCall;
  const settle = (promptIds: number[]) => {
    Object.defineProperty(call, 'promptIds', {
      value: promptIds,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return promptIds;
  };
  Object.defineProperty(call, 'promptIds', {
    enumerable: true,
    configurable: true,
    get: () => settle(source.tokenIds.slice(0, source.promptLength)),
    set: settle,
  });
  return Object.assign(call, fields);
}

interface TrackedSequence extends TokenSequence {
  /** The conversation these tokens render, ending with the last sampled assistant message. */
  messages: ChatMessage[];
}

export interface RecordCallOptions {
  /** The sequence this call extended, or undefined when it started a new one. */
  extended: number | undefined;
  /** Tokens rendered for this call: the whole prompt, or the increment after the extended sequence. */
  renderedIds: number[];
  completion: Completion;
  policyVersion: number;
  requestMessages: ChatMessage[];
  response: ChatMessage;
}

/**
 * Records every model call of one episode as exact token ids. A call whose messages continue an earlier call's
 * conversation (that call's messages plus its response, then new messages) extends that call's sequence, so a
 * multi-turn episode trains as one sample whose loss mask is 1 exactly on sampled tokens; anything else (a fork,
 * an edited history) starts a new sequence.
 */
export class TrajectoryTracker {
  private readonly sequences: TrackedSequence[] = [];
  private readonly calls: ModelCall[] = [];
  private lastMessages: ChatMessage[] = [];

  /** The longest recorded sequence whose conversation is a strict prefix of `messages`. */
  findPrefix(
    messages: readonly ChatMessage[],
  ): { index: number; tokenIds: number[]; messageCount: number } | undefined {
    let best: { index: number; tokenIds: number[]; messageCount: number } | undefined;
    this.sequences.forEach((sequence, index) => {
      const count = sequence.messages.length;
      if (count >= messages.length || (best && best.messageCount >= count)) return;
      const isPrefix = sequence.messages.every((message, position) => {
        const other = messages[position];
        return other !== undefined && sameMessage(message, other);
      });
      if (isPrefix) best = { index, tokenIds: sequence.tokenIds, messageCount: count };
    });
    return best;
  }

  record(options: RecordCallOptions): void {
    const { extended, renderedIds, completion, policyVersion, requestMessages, response } = options;
    const existing = extended === undefined ? undefined : this.sequences[extended];
    const sequenceIndex = existing && extended !== undefined ? extended : this.sequences.length;
    let sequence: TrackedSequence;
    let promptLength: number;
    if (existing) {
      sequence = existing;
      const { tokenIds, lossMask, logprobs } = existing;
      for (const id of renderedIds) {
        tokenIds.push(id);
        lossMask.push(0);
        logprobs.push(0);
      }
      promptLength = tokenIds.length;
      completion.tokenIds.forEach((id, index) => {
        tokenIds.push(id);
        lossMask.push(1);
        logprobs.push(completion.logprobs[index] ?? 0);
      });
    } else {
      // A first call: each array allocated once at its size (most of an episode's tokens are its first prompt).
      promptLength = renderedIds.length;
      const length = promptLength + completion.tokenIds.length;
      const logprobs = new Array<number>(length).fill(0, 0, promptLength);
      completion.tokenIds.forEach((_, index) => {
        logprobs[promptLength + index] = completion.logprobs[index] ?? 0;
      });
      sequence = {
        tokenIds: renderedIds.concat(completion.tokenIds),
        lossMask: new Array<number>(length).fill(0, 0, promptLength).fill(1, promptLength),
        logprobs,
        messages: [],
      };
      this.sequences.push(sequence);
    }
    sequence.messages = [...requestMessages, response];
    this.calls.push(
      lazyPrompt(
        {
          completionIds: [...completion.tokenIds],
          completionLogprobs: [...completion.logprobs],
          finishReason: completion.finishReason,
          policyVersion,
          sequenceIndex,
        },
        { tokenIds: sequence.tokenIds, promptLength },
      ),
    );
    this.lastMessages = sequence.messages;
  }

  /**
   * For endpoints that return token ids but render on their side: the call extends the longest sequence whose
   * tokens are a prefix of its prompt, else starts a new one.
   */
  recordByTokens(options: Omit<RecordCallOptions, 'extended' | 'renderedIds'> & { promptIds: number[] }): void {
    const { promptIds, ...rest } = options;
    let extended: number | undefined;
    let longest = -1;
    this.sequences.forEach((sequence, index) => {
      const length = sequence.tokenIds.length;
      if (length <= longest || length > promptIds.length) return;
      if (sequence.tokenIds.every((id, position) => promptIds[position] === id)) {
        extended = index;
        longest = length;
      }
    });
    const renderedIds = extended === undefined ? promptIds : promptIds.slice(longest);
    this.record({ ...rest, extended, renderedIds });
  }

  /** For endpoints that return no token ids: the conversation is still kept for judges and logs. */
  recordMessagesOnly(requestMessages: ChatMessage[], response: ChatMessage): void {
    this.lastMessages = [...requestMessages, response];
  }

  snapshot(): Trajectory {
    return {
      messages: [...this.lastMessages],
      calls: [...this.calls],
      sequences: this.sequences.map(({ tokenIds, lossMask, logprobs }) => ({
        tokenIds: [...tokenIds],
        lossMask: [...lossMask],
        logprobs: [...logprobs],
      })),
    };
  }
}
