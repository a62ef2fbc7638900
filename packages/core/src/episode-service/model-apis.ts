import { handleChatCompletion } from '../runtime/chat-completions-handler.ts';
import { handleAnthropicMessages } from './anthropic-messages-api.ts';
import { chatCompletionEvents, type ModelApiReply } from './model-api-reply.ts';
import type { ModelApiRequest } from './model-api-request.ts';
import { handleResponses } from './responses-api.ts';

export type ModelApi = (options: ModelApiRequest) => Promise<ModelApiReply>;

/** Chat completions; `stream: true` replays the completion as chunks (the handler itself answers whole). */
const chatCompletions: ModelApi = async (options) => {
  const request = options.body as { stream?: unknown } | null;
  const stream = typeof request === 'object' && request !== null && request.stream === true;
  const reply = await handleChatCompletion({ ...options, body: stream ? { ...request, stream: false } : options.body });
  return stream && reply.status === 200 ? chatCompletionEvents(reply.body) : reply;
};

/** The model APIs of an episode URL, by the path after `/v1`. */
export const MODEL_APIS: Record<string, ModelApi> = {
  '/chat/completions': chatCompletions,
  '/responses': handleResponses,
  '/messages': handleAnthropicMessages,
};
