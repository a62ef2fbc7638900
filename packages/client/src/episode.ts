import { createOpenAICompatible, type OpenAICompatibleProvider } from '@ai-sdk/openai-compatible';
import type { ChatMessage, ClaimedEpisode, EndResponse } from '@ajet/spec';
import OpenAI from 'openai';

/** The task of an episode, as the trainer's task reader gave it. */
export interface EpisodeTask {
  taskId: string;
  /** The question the agent is given. */
  mainQuery: string;
  initMessages?: Pick<ChatMessage, 'role' | 'content'>[];
  /** The reference answer and whatever a reward needs: for computing the reward, not for the agent's prompt. */
  metadata: Record<string, unknown>;
}

export interface EndOptions {
  /** The episode's reward; leave it out to have the trainer's configured judge score the episode. */
  reward?: number;
  /** Defaults to reward > 0 (or what the judge says). */
  isSuccess?: boolean;
  /** The agent's final answer: what the judge reads. */
  finalAnswer?: string;
  /** Kept with the episode in the trajectory file. */
  metadata?: Record<string, unknown>;
}

/** How an episode talks to the service: the client's authenticated calls. */
export interface EpisodeControl {
  end(episodeId: string, options: EndOptions): Promise<EndResponse>;
  abort(episodeId: string, reason: string | undefined): Promise<void>;
}

/**
 * One claimed episode: the task, the episode's model (an OpenAI client and an AI SDK provider that point at its
 * per-episode URL; every call is recorded token for token for training), and `end({ reward })` or `abort()`.
 */
export class Episode {
  readonly id: string;
  /** `T{task id}#R{repeat}`: the GRPO group and the member of it. */
  readonly taskTag: string;
  readonly split: 'train' | 'validation';
  readonly repeatIndex: number;
  readonly task: EpisodeTask;
  /** The episode's OpenAI-compatible base URL, key and model name, for any other library or process. */
  readonly baseURL: string;
  readonly apiKey: string;
  readonly model: string;
  /** End the episode before this, or it fails as a timeout. */
  readonly deadline: Date;
  /** Model calls per episode at most (`rollout.multi_turn.max_steps`): a good `stopWhen`. */
  readonly maxSteps: number;
  /** Aborts at the deadline: pass it to the agent (`abortSignal` in the AI SDK, `signal` in openai). */
  readonly signal: AbortSignal;
  private readonly control: EpisodeControl;
  private readonly fetchImpl: typeof fetch | undefined;
  private settledAs: 'ended' | 'aborted' | undefined;
  private openaiClient: OpenAI | undefined;
  private providerInstance: OpenAICompatibleProvider | undefined;

  constructor(options: { claimed: ClaimedEpisode; control: EpisodeControl; fetch?: typeof fetch }) {
    const { claimed } = options;
    this.id = claimed.episode_id;
    this.taskTag = claimed.task_tag;
    this.split = claimed.split;
    this.repeatIndex = claimed.repeat_index;
    this.task = {
      taskId: claimed.task.task_id,
      mainQuery: claimed.task.main_query,
      ...(claimed.task.init_messages
        ? {
            initMessages: claimed.task.init_messages.map((message) => ({
              role: message.role as ChatMessage['role'],
              content: message.content,
            })),
          }
        : {}),
      metadata: claimed.task.metadata,
    };
    this.baseURL = claimed.base_url;
    this.apiKey = claimed.api_key;
    this.model = claimed.model;
    this.deadline = new Date(Date.now() + claimed.deadline_ms);
    this.maxSteps = claimed.max_steps;
    this.signal = AbortSignal.timeout(Math.max(1, claimed.deadline_ms));
    this.control = options.control;
    this.fetchImpl = options.fetch;
  }

  /** An `openai` client for this episode's model. */
  get openai(): OpenAI {
    this.openaiClient ??= new OpenAI({
      baseURL: this.baseURL,
      apiKey: this.apiKey,
      maxRetries: 0,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
    });
    return this.openaiClient;
  }

  /** An AI SDK provider for this episode's model: `generateText({ model: episode.provider(episode.model), … })`. */
  get provider(): OpenAICompatibleProvider {
    this.providerInstance ??= createOpenAICompatible({
      name: 'ajet',
      baseURL: this.baseURL,
      apiKey: this.apiKey,
      ...(this.fetchImpl ? { fetch: this.fetchImpl } : {}),
    });
    return this.providerInstance;
  }

  /** The AI SDK language model of this episode (`episode.provider(episode.model)`). */
  languageModel(): ReturnType<OpenAICompatibleProvider> {
    return this.provider(this.model);
  }

  /** Whether `end` or `abort` was called. */
  get settled(): boolean {
    return this.settledAs !== undefined;
  }

  /** Ends the episode with a reward, or without one to have the trainer's judge score it. */
  async end(options: EndOptions = {}): Promise<EndResponse> {
    this.claimSettle('ended');
    return this.control.end(this.id, options);
  }

  /** Gives the episode up: it fails on the trainer's side and is counted. */
  async abort(reason?: string): Promise<void> {
    this.claimSettle('aborted');
    await this.control.abort(this.id, reason);
  }

  private claimSettle(as: 'ended' | 'aborted'): void {
    if (this.settledAs) throw new Error(`episode ${this.id} was already ${this.settledAs}`);
    this.settledAs = as;
  }
}
