import type { ChatMessage, ToolSpec } from './chat-message.ts';

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
  chat(request: ChatRequest): Promise<ChatResponse>;
}
