import type OpenAI from 'openai';
import type { ChatMessage, ToolSpec } from './chat-message.ts';
import type { ToolCallParser } from './tool-call-parser.ts';

export interface SamplingParams {
  temperature?: number;
  /** 1 unless set: truncated sampling biases the importance ratio. */
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  seed?: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Overrides `rollout.temperature` etc. for this call. */
  sampling?: SamplingParams;
  /**
   * Parses tool calls out of the completion text into `message.toolCalls` / `message.malformedToolCalls`.
   * Without one, `content` is the raw completion and only an endpoint's own `tool_calls` are filled in.
   */
  toolCallParser?: ToolCallParser;
}

export type FinishReason = 'stop' | 'length' | 'abort';

export interface ChatResponse {
  /** The assistant message: `content` is the completion text, `toolCalls` what parsed out of it. */
  message: ChatMessage;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
}

/**
 * The policy as one episode sees it. Every call is recorded (exact token ids and sampler logprobs) into the
 * episode's trajectory; calls that continue an earlier conversation merge into one training sample.
 */
export interface Tuner {
  /**
   * Aborts when the episode times out (`rollout.episode_timeout_s`) or the run stops. Pass it to every tool call
   * (`tool.execute(args, { episodeId, signal })`) and to anything else that can hang.
   */
  readonly signal: AbortSignal;
  /** The rollout settings this episode runs under, so a workflow never re-parses core's config. */
  readonly rollout: EpisodeRollout;
  chat(request: ChatRequest): Promise<ChatResponse>;
  /**
   * An `openai` SDK client whose chat completions go to this episode's policy in process (no socket), so an
   * agent written against the OpenAI API trains unchanged. Recorded exactly like `chat`.
   */
  openai(): OpenAI;
  /**
   * A loopback OpenAI-compatible endpoint (`/v1/chat/completions`) for this episode, for code in another
   * process or framework. The key routes requests to this episode; it stops working when the episode ends.
   */
  endpoint(): Promise<TunerEndpoint>;
}

export interface EpisodeRollout {
  /** Model calls per episode at most (`rollout.multi_turn.max_steps`). */
  maxSteps: number;
}

export interface TunerEndpoint {
  baseURL: string;
  apiKey: string;
  model: string;
}
