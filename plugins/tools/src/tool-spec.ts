import type { Tool, ToolSpec } from '@ajet/spec';
import { z } from 'zod';

/** The OpenAI `tools[].function` view of a tool, its JSON Schema generated from the zod parameters. */
export function toToolSpec(tool: Tool): ToolSpec {
  const schema = z.toJSONSchema(tool.parameters, { io: 'input' }) as Record<string, unknown>;
  const { $schema: _ignored, ...parameters } = schema;
  return { name: tool.name, description: tool.description, parameters };
}
