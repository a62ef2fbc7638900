import type { MalformedToolCall, ToolCall } from '@ajet/spec';

/** The `tool_calls` entries of an OpenAI-compatible chat completion, as loosely as servers send them. */
export interface EndpointToolCall {
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

/**
 * Sorts an endpoint's `tool_calls` into calls and malformed calls, the way the text parsers do for Hermes
 * blocks: a call needs type `function`, a name and arguments that are a JSON object. Servers pass the model's
 * argument text through unchecked, so broken JSON arrives here and is reported to the model, never thrown.
 */
export function parseEndpointToolCalls(calls: readonly EndpointToolCall[] | null | undefined): {
  toolCalls: ToolCall[];
  malformed: MalformedToolCall[];
} {
  const toolCalls: ToolCall[] = [];
  const malformed: MalformedToolCall[] = [];
  for (const [index, call] of (calls ?? []).entries()) {
    const raw = JSON.stringify(call);
    const error = problemWith(call);
    if (error) {
      malformed.push({ raw, error });
      continue;
    }
    toolCalls.push({
      id: call.id || `call_${index}`,
      name: call.function?.name ?? '',
      arguments: call.function?.arguments?.trim() || '{}',
    });
  }
  return { toolCalls, malformed };
}

function problemWith(call: EndpointToolCall): string | undefined {
  if (call.type !== undefined && call.type !== null && call.type !== 'function')
    return `tool call type "${call.type}" is not supported (only "function")`;
  if (!call.function?.name) return 'the tool call has no function name';
  const text = call.function.arguments?.trim() || '{}';
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch (error) {
    return `the arguments of ${call.function.name} are not valid JSON: ${(error as Error).message}`;
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return `the arguments of ${call.function.name} must be a JSON object`;
  return undefined;
}
