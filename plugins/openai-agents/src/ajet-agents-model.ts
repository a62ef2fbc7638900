import type { ChatMessage, ChatResponse, ToolCallParser, ToolSpec, Tuner } from '@ajet/spec';
import { AjetError } from '@ajet/spec';
import type {
  AgentInputItem,
  AssistantMessageItem,
  FunctionCallItem,
  FunctionCallResultItem,
  Model,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  StreamEvent,
} from '@openai/agents-core';
import { Usage } from '@openai/agents-core';

export interface AjetAgentsModelOptions {
  /** Turns the model's completion text into tool calls (`CalculatorTagParser`, `HermesToolCallParser` from @ajet/tools). */
  toolCallParser?: ToolCallParser;
  /**
   * How tool results reach the model: `tool` messages (the default), or `user` messages wrapped in a template, as
   * a model trained that way expects (the calculator policy reads `<output>{output}</output>` from the user).
   */
  toolReply?: { role: 'tool' } | { role: 'user'; template: string };
}

function unsupported(what: string): AjetError {
  return new AjetError(`@ajet/openai-agents: ${what} is not supported by the ajet policy model.`, {
    code: 'OPENAI_AGENTS_UNSUPPORTED',
    blame: 'plugin',
    hint: 'Give the agent function tools (tool()) and text input only; hosted, computer, shell and patch tools need a hosted model.',
  });
}

function textOf(parts: readonly { type: string; text?: string; refusal?: string }[]): string {
  return parts.map((part) => part.text ?? part.refusal ?? '').join('');
}

function resultText(output: FunctionCallResultItem['output']): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) return textOf(output);
  return output.type === 'text' ? output.text : '';
}

/**
 * The Agents SDK's input items as ajet chat messages: an assistant message and the function calls after it are one
 * assistant turn (as the tuner answered it), results are tool messages (or user messages in `toolReply`'s template).
 */
function toMessages(
  request: ModelRequest,
  toolReply: AjetAgentsModelOptions['toolReply'],
  policyCallId: (callId: string) => string,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (request.systemInstructions) messages.push({ role: 'system', content: request.systemInstructions });
  const items: AgentInputItem[] =
    typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  // The assistant turn that function calls right after it belong to.
  let turn: ChatMessage | undefined;
  for (const item of items) {
    if (item.type === 'function_call') {
      if (!turn) {
        turn = { role: 'assistant', content: '' };
        messages.push(turn);
      }
      turn.toolCalls = [
        ...(turn.toolCalls ?? []),
        { id: policyCallId(item.callId), name: item.name, arguments: item.arguments },
      ];
      continue;
    }
    turn = undefined;
    if (item.type === 'function_call_result') {
      const output = resultText(item.output);
      messages.push(
        toolReply?.role === 'user'
          ? { role: 'user', content: toolReply.template.replaceAll('{output}', () => output) }
          : { role: 'tool', content: output, toolCallId: policyCallId(item.callId), name: item.name },
      );
    } else if (item.type === 'reasoning') {
      // The policy writes no separate reasoning items; one from elsewhere has nothing to render.
    } else if (item.type === undefined || item.type === 'message') {
      if ('role' in item && item.role === 'assistant') {
        turn = { role: 'assistant', content: textOf(item.content) };
        messages.push(turn);
      } else if ('role' in item && item.role === 'system') {
        messages.push({ role: 'system', content: item.content });
      } else if ('role' in item && item.role === 'user') {
        messages.push({
          role: 'user',
          content: typeof item.content === 'string' ? item.content : textOf(item.content),
        });
      }
    } else throw unsupported(`input item ${item.type}`);
  }
  return messages;
}

function toTools(request: ModelRequest): ToolSpec[] {
  const tools: ToolSpec[] = [];
  for (const tool of request.tools) {
    if (tool.type !== 'function') throw unsupported(`${tool.type} tool ${tool.name}`);
    tools.push({ name: tool.name, description: tool.description, parameters: tool.parameters });
  }
  // Handoffs are function calls to the model; the runner turns a call of `toolName` into the handoff.
  for (const handoff of request.handoffs) {
    tools.push({ name: handoff.toolName, description: handoff.toolDescription, parameters: handoff.inputJsonSchema });
  }
  return tools;
}

/** What the policy answers: its text as an assistant message, then one function call per parsed tool call. */
type PolicyOutput = (AssistantMessageItem | FunctionCallItem)[];

function toOutput(response: ChatResponse, responseId: string): PolicyOutput {
  const { message } = response;
  const output: PolicyOutput = [];
  if (message.content !== '') {
    output.push({
      type: 'message',
      id: `${responseId}-message`,
      role: 'assistant',
      status: response.finishReason === 'stop' ? 'completed' : 'incomplete',
      content: [{ type: 'output_text', text: message.content }],
    });
  }
  for (const call of message.toolCalls ?? []) {
    output.push({
      type: 'function_call',
      id: `${responseId}-${call.id}`,
      callId: `${responseId}-${call.id}`,
      name: call.name,
      arguments: call.arguments || '{}',
      status: 'completed',
    });
  }
  return output;
}

/**
 * The episode's policy as an OpenAI Agents JS `Model`: `new Agent({ model: ajetAgentsModel(tuner), tools })` and
 * `run(agent, task)` in a workflow call `tuner.chat` directly (no HTTP hop), so every call is rendered, sampled and
 * recorded token for token, and calls that continue the conversation merge into one training sample. Streaming
 * replays the whole completion once it is sampled.
 */
export function ajetAgentsModel(tuner: Tuner, options: AjetAgentsModelOptions = {}): Model {
  let calls = 0;
  // Parsers number tool calls per completion (`call_0` in every turn) but the runner wants ids unique in the run:
  // the runner sees `ajet-<n>-<id>`, the policy its own id again when the turn is replayed.
  const policyIds = new Map<string, string>();
  const policyCallId = (callId: string) => policyIds.get(callId) ?? callId;
  const getResponse = async (request: ModelRequest): Promise<ModelResponse & { output: PolicyOutput }> => {
    if (request.previousResponseId || request.conversationId) throw unsupported('server-side conversation state');
    if (request.prompt) throw unsupported('a stored prompt template');
    const tools = toTools(request);
    const settings = request.modelSettings;
    const response = await tuner.chat({
      messages: toMessages(request, options.toolReply, policyCallId),
      ...(tools.length > 0 ? { tools } : {}),
      sampling: {
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.topP !== undefined ? { topP: settings.topP } : {}),
        ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
      },
      ...(options.toolCallParser ? { toolCallParser: options.toolCallParser } : {}),
    });
    calls += 1;
    const responseId = `ajet-${calls}`;
    for (const call of response.message.toolCalls ?? []) policyIds.set(`${responseId}-${call.id}`, call.id);
    const { promptTokens, completionTokens } = response.usage;
    return {
      responseId,
      output: toOutput(response, responseId),
      usage: new Usage({
        requests: 1,
        inputTokens: promptTokens,
        outputTokens: completionTokens,
        totalTokens: promptTokens + completionTokens,
      }),
    };
  };
  return {
    getResponse,
    async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
      const response = await getResponse(request);
      yield { type: 'response_started' };
      for (const item of response.output) {
        if (item.type === 'message' && item.role === 'assistant') {
          yield { type: 'output_text_delta', itemId: item.id, delta: textOf(item.content) };
        }
      }
      yield {
        type: 'response_done',
        response: {
          id: response.responseId ?? 'ajet',
          usage: {
            requests: 1,
            inputTokens: response.usage.inputTokens,
            outputTokens: response.usage.outputTokens,
            totalTokens: response.usage.totalTokens,
          },
          output: response.output,
        },
      };
    },
  };
}

/** A `ModelProvider` that answers every model name with the episode's policy (for `new Runner({ modelProvider })`). */
export function ajetAgentsModelProvider(tuner: Tuner, options: AjetAgentsModelOptions = {}): ModelProvider {
  const model = ajetAgentsModel(tuner, options);
  return { getModel: () => model };
}
