import type { PluginContext, ToolContext, WorkflowTask } from '@ajet/spec';
import { scriptedTuner } from '@ajet/spec/test';
import { CalculatorTool } from '@ajet/tools';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReactAgent } from './react-agent.ts';

const context: PluginContext = {
  configDir: '.',
  // The agent reads nothing of core's config: max steps come with the tuner.
  config: {},
  load: async <T>(reference: string) => {
    if (reference !== 'calculator') throw new Error(`unknown tool ${reference}`);
    return new CalculatorTool() as unknown as T;
  },
};

const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'What is 1 plus 2?', metadata: { answer: '3' } },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};

function agent(overrides: Record<string, unknown> = {}) {
  const settings = ReactAgent.settings.parse({
    system_prompt: 'You are a calculator agent.',
    tools: ['calculator'],
    tool_call_format: 'calculator_tag',
    tool_reply_role: 'user',
    tool_reply_template: '<output>{output}</output>',
    ...overrides,
  });
  return new ReactAgent(settings, context);
}

describe('ReactAgent', () => {
  it('calls the tool, replies with its output in the configured form, and takes the final answer', async () => {
    const tuner = scriptedTuner([
      '<calculator>\noperation: add\noperands:\n  - 1\n  - 2\n</calculator>',
      'The answer is 3.',
    ]);
    const output = await agent().execute(task, tuner);
    expect(output.metadata.finalAnswer).toBe('The answer is 3.');
    expect(output.logMetrics).toMatchObject({
      steps: 2,
      tool_calls: 1,
      malformed_tool_calls: 0,
      tool_errors: 0,
      answered: 1,
    });
    const second = tuner.requests[1]?.messages ?? [];
    expect(second.at(-1)).toEqual({ role: 'user', content: '<output>3</output>' });
    expect(second.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });

  it('reports malformed calls and tool errors to the model and counts them', async () => {
    const tuner = scriptedTuner([
      '<calculator>operation: add',
      '<calculator>operation: divide\noperands: [1, 0]</calculator>',
      'I give up: 0',
    ]);
    const output = await agent().execute(task, tuner);
    expect(output.logMetrics).toMatchObject({ malformed_tool_calls: 1, tool_calls: 1, tool_errors: 1, steps: 3 });
    const replies = (tuner.requests[2]?.messages ?? []).filter((message) => message.content.startsWith('<output>'));
    expect(replies.map((message) => message.content)).toEqual([
      expect.stringContaining('Error: malformed tool call'),
      '<output>Error: division by zero</output>',
    ]);
  });

  it('stops at max_steps and caps tool calls', async () => {
    const call = '<calculator>(1+1)</calculator>';
    const tuner = scriptedTuner([call, call, call, call, call], { maxSteps: 4 });
    const output = await agent({ max_tool_calls: 2 }).execute(task, tuner);
    expect(output.logMetrics).toMatchObject({ steps: 4, tool_calls: 4, tool_errors: 2, answered: 0 });
    expect(output.metadata.finalAnswer).toBeUndefined();
  });

  it("takes max steps from the episode's rollout settings, not from core's config", async () => {
    const call = '<calculator>(1+1)</calculator>';
    const tuner = scriptedTuner([call, call, call, call, call], { maxSteps: 2 });
    const output = await agent().execute(task, tuner);
    expect(output.logMetrics).toMatchObject({ steps: 2, answered: 0 });
    expect(tuner.requests).toHaveLength(2);
  });

  it("passes the episode's abort signal into every tool call, so a hanging tool ends when the episode does", async () => {
    const episode = new AbortController();
    const seen: { episodeId: string; aborted: boolean | undefined }[] = [];
    const hang = {
      name: 'hang',
      description: 'never answers until aborted',
      parameters: z.object({}),
      execute: (_args: unknown, toolContext: ToolContext) =>
        new Promise<string>((resolve) => {
          setTimeout(() => episode.abort(new Error('episode timeout')), 10);
          setTimeout(() => resolve('Error: never aborted'), 1000);
          toolContext.signal?.addEventListener('abort', () => {
            seen.push({ episodeId: toolContext.episodeId, aborted: toolContext.signal?.aborted });
            resolve('Error: aborted');
          });
        }),
    };
    const settings = ReactAgent.settings.parse({ tools: ['hang'], tool_call_format: 'hermes' });
    const call = '<tool_call>{"name": "hang", "arguments": {}}</tool_call>';
    const tuner = scriptedTuner([`${call}${call}`, 'done'], { signal: episode.signal });
    const hangContext: PluginContext = { ...context, load: async <T>() => hang as unknown as T };
    // The episode is over: the second call in the same reply never runs, and the agent ends with the abort reason.
    await expect(new ReactAgent(settings, hangContext).execute(task, tuner)).rejects.toThrow('episode timeout');
    expect(seen).toEqual([{ episodeId: 'e', aborted: true }]);
  });

  it('sends OpenAI tool specs and tool-role replies in the hermes format', async () => {
    const tuner = scriptedTuner([
      '<tool_call>{"name": "calculator", "arguments": {"expression": "2*3"}}</tool_call>',
      'six',
    ]);
    const output = await agent({
      tool_call_format: 'hermes',
      tool_reply_role: 'tool',
      tool_reply_template: '{output}',
    }).execute(task, tuner);
    expect(output.metadata.finalAnswer).toBe('six');
    const spec = tuner.requests[0]?.tools?.[0];
    expect(spec?.name).toBe('calculator');
    expect(spec?.parameters).toMatchObject({ type: 'object', properties: { expression: { type: 'string' } } });
    expect(tuner.requests[1]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: '6',
      toolCallId: 'call_0',
      name: 'calculator',
    });
  });

  it("puts tool output into the reply verbatim, even where it holds replacement patterns ($&, $', $`, $$)", async () => {
    const hostile = "cost: $$5, $& and $' and $` and $1 and $<name>";
    const echo = {
      name: 'echo',
      description: 'returns a fixed text',
      parameters: z.object({}),
      execute: async () => hostile,
    };
    const echoContext: PluginContext = { ...context, load: async <T>() => echo as unknown as T };
    const settings = ReactAgent.settings.parse({
      tools: ['echo'],
      tool_call_format: 'hermes',
      tool_reply_role: 'user',
      tool_reply_template: '<output>{output}</output> and again {output}',
    });
    const tuner = scriptedTuner(['<tool_call>{"name": "echo", "arguments": {}}</tool_call>', 'done']);
    await new ReactAgent(settings, echoContext).execute(task, tuner);
    expect(tuner.requests[1]?.messages.at(-1)?.content).toBe(`<output>${hostile}</output> and again ${hostile}`);
  });

  it('rejects unknown settings', () => {
    expect(ReactAgent.settings.safeParse({ tool_format: 'hermes' }).success).toBe(false);
  });
});
