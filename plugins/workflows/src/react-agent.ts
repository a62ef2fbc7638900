import {
  type ChatMessage,
  type PluginContext,
  pluginReferenceSetting,
  type Tool,
  type ToolCall,
  type ToolCallParser,
  type ToolSpec,
  type Tuner,
  type Workflow,
  type WorkflowOutput,
  type WorkflowTask,
} from '@ajet/spec';
import { CalculatorTagParser, HermesToolCallParser, toToolSpec } from '@ajet/tools';
import { z } from 'zod';

/** A tool: a built-in name or `"module->Export"` (a `./` module relative to the YAML file that wrote it). */
const toolReference = z.union([
  pluginReferenceSetting(),
  z.strictObject({ tool: pluginReferenceSetting(), settings: z.record(z.string(), z.unknown()).default({}) }),
]);

const settingsSchema = z.strictObject({
  system_prompt: z.string().default('You are a helpful assistant. Use the tools when they help, then answer.'),
  tools: z.array(toolReference).default([]),
  /** How the model writes calls: Hermes/Qwen `<tool_call>` JSON, `<calculator>` tags, or an endpoint's own `tool_calls`. */
  tool_call_format: z.enum(['hermes', 'calculator_tag', 'openai']).default('hermes'),
  /** `tool` messages, or `user` messages wrapped in `tool_reply_template` (the calculator seed's `<output>`). */
  tool_reply_role: z.enum(['tool', 'user']).default('tool'),
  tool_reply_template: z.string().default('{output}'),
  /** Model calls per episode at most; defaults to rollout.multi_turn.max_steps. */
  max_steps: z.number().int().positive().optional(),
  /** Tool calls per episode at most; later calls get an error reply. */
  max_tool_calls: z.number().int().positive().default(5),
  /** Extra stop strings for every model call. */
  stop: z.array(z.string()).default([]),
});

export type ReactAgentSettings = z.output<typeof settingsSchema>;

/** The tools `settings.tools` names, by tool name; each reference's key is named when it fails to load. */
async function loadTools(settings: ReactAgentSettings, context: PluginContext): Promise<Map<string, Tool>> {
  const tools = await Promise.all(
    settings.tools.map((reference, index) =>
      typeof reference === 'string'
        ? context.load<Tool>(reference, 'tool', undefined, { referenceKeyPath: `tools.${index}` })
        : context.load<Tool>(reference.tool, 'tool', reference.settings, {
            keyPath: `tools.${index}.settings`,
            referenceKeyPath: `tools.${index}.tool`,
          }),
    ),
  );
  return new Map(tools.map((tool) => [tool.name, tool]));
}

/**
 * A ReAct loop over any tools: the model thinks and calls tools, tool results come back as messages, until it
 * answers without a tool call or runs out of steps. Counts calls, malformed calls and tool errors for judges and
 * metrics. Usable from YAML alone (`react_agent` with settings) or by subclassing (override `buildMessages`,
 * `formatToolReply`, `extractFinalAnswer`).
 */
export class ReactAgent implements Workflow {
  static settings = settingsSchema;
  protected readonly settings: ReactAgentSettings;
  protected readonly context: PluginContext;
  private readonly tools: Promise<Map<string, Tool>>;

  constructor(settings: ReactAgentSettings, context: PluginContext) {
    this.settings = settings;
    this.context = context;
    // Started here, so ajet awaits them while loading this workflow: a bad tool reference stops the run at start.
    this.tools = loadTools(settings, context);
    // Marked handled: built without ajet's loader, a failure surfaces at the first episode instead.
    this.tools.catch(() => undefined);
  }

  protected maxSteps(tuner: Tuner): number {
    return this.settings.max_steps ?? tuner.rollout.maxSteps;
  }

  protected parser(): ToolCallParser | undefined {
    switch (this.settings.tool_call_format) {
      case 'hermes':
        return new HermesToolCallParser();
      case 'calculator_tag':
        return new CalculatorTagParser();
      case 'openai':
        return undefined;
      default: {
        const exhaustive: never = this.settings.tool_call_format;
        return exhaustive;
      }
    }
  }

  protected buildMessages(task: WorkflowTask): ChatMessage[] {
    return [
      { role: 'system', content: this.settings.system_prompt },
      ...(task.task.initMessages ?? []),
      { role: 'user', content: task.task.mainQuery },
    ];
  }

  protected formatToolReply(options: { call: ToolCall | undefined; output: string }): ChatMessage {
    // A replacer function: a string replacement would read `$&`, `$'`, `$$` in the tool's output as patterns.
    const content = this.settings.tool_reply_template.replaceAll('{output}', () => options.output);
    if (this.settings.tool_reply_role === 'user') return { role: 'user', content };
    return { role: 'tool', content, toolCallId: options.call?.id, name: options.call?.name };
  }

  protected extractFinalAnswer(message: ChatMessage): string {
    return message.content.trim();
  }

  private async runTool(options: {
    call: ToolCall;
    tools: Map<string, Tool>;
    episodeId: string;
    signal: AbortSignal;
  }): Promise<{ output: string; failed: boolean }> {
    const { call, tools, episodeId, signal } = options;
    const tool = tools.get(call.name);
    if (!tool)
      return { output: `Error: no tool named "${call.name}" (tools: ${[...tools.keys()].join(', ')})`, failed: true };
    let args: unknown;
    try {
      args = JSON.parse(call.arguments || '{}');
    } catch (error) {
      return { output: `Error: arguments are not valid JSON: ${(error as Error).message}`, failed: true };
    }
    const parsed = tool.parameters.safeParse(args);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      return {
        output: `Error: bad arguments for ${tool.name}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
        failed: true,
      };
    }
    try {
      const output = await tool.execute(parsed.data, { episodeId, signal });
      return { output, failed: output.startsWith('Error:') };
    } catch (error) {
      return { output: `Error: ${tool.name} failed: ${(error as Error).message}`, failed: true };
    }
  }

  async execute(task: WorkflowTask, tuner: Tuner): Promise<WorkflowOutput> {
    const tools = await this.tools;
    try {
      return await this.run(task, tuner, tools);
    } finally {
      // Tools that hold processes (the Python sandbox's workers) end with the episode.
      await Promise.allSettled([...tools.values()].map((tool) => tool.close?.()));
    }
  }

  private async run(task: WorkflowTask, tuner: Tuner, tools: Map<string, Tool>): Promise<WorkflowOutput> {
    const toolSpecs: ToolSpec[] | undefined =
      this.settings.tool_call_format === 'calculator_tag' ? undefined : [...tools.values()].map(toToolSpec);
    const parser = this.parser();
    const messages = this.buildMessages(task);
    const counts = { steps: 0, tool_calls: 0, malformed_tool_calls: 0, tool_errors: 0 };
    let finalAnswer: string | undefined;
    const maxSteps = this.maxSteps(tuner);
    for (let step = 0; step < maxSteps; step++) {
      const response = await tuner.chat({
        messages,
        tools: toolSpecs,
        toolCallParser: parser,
        sampling: this.settings.stop.length > 0 ? { stop: this.settings.stop } : undefined,
      });
      counts.steps += 1;
      messages.push(response.message);
      const calls = response.message.toolCalls ?? [];
      const malformed = response.message.malformedToolCalls ?? [];
      counts.malformed_tool_calls += malformed.length;
      if (calls.length === 0 && malformed.length === 0) {
        finalAnswer = this.extractFinalAnswer(response.message);
        break;
      }
      if (response.finishReason === 'length') break;
      for (const call of calls) {
        // A timed-out or stopped episode runs no more tools: its result is already recorded as the timeout.
        tuner.signal.throwIfAborted();
        counts.tool_calls += 1;
        const result =
          counts.tool_calls > this.settings.max_tool_calls
            ? { output: `Error: more than ${this.settings.max_tool_calls} tool calls`, failed: true }
            : await this.runTool({ call, tools, episodeId: task.episodeId, signal: tuner.signal });
        if (result.failed) counts.tool_errors += 1;
        messages.push(this.formatToolReply({ call, output: result.output }));
      }
      for (const bad of malformed) {
        messages.push(this.formatToolReply({ call: undefined, output: `Error: malformed tool call: ${bad.error}` }));
      }
    }
    return {
      metadata: { finalAnswer, messages: messages.length },
      logMetrics: { ...counts, answered: finalAnswer === undefined ? 0 : 1 },
    };
  }
}
