// The calculator agent written with OpenAI Agents JS: an Agent with a function tool, run() with maxTurns.
// `ajetAgentsModel(tuner)` is the episode's policy as the Agent's Model, called in process, so every call trains
// with its exact tokens.
import { ajetAgentsModel } from '@ajet/openai-agents';
import type { Tuner, Workflow, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { CalculatorTagParser, CalculatorTool } from '@ajet/tools';
import { Agent, MaxTurnsExceededError, run, tool } from '@openai/agents-core';
import { z } from 'zod';

const SYSTEM =
  'You are a calculator agent. Call the calculator with YAML inside <calculator></calculator> tags, then give the final answer.';

export class OpenAiAgentsAgent implements Workflow {
  async execute(task: WorkflowTask, tuner: Tuner): Promise<WorkflowOutput> {
    const calculator = new CalculatorTool();
    const agent = new Agent({
      name: 'calculator',
      instructions: SYSTEM,
      // The calculator policy writes <calculator> tags and reads results as <output>…</output> from the user.
      model: ajetAgentsModel(tuner, {
        toolCallParser: new CalculatorTagParser(),
        toolReply: { role: 'user', template: '<output>{output}</output>' },
      }),
      tools: [
        tool({
          name: 'calculator',
          description: calculator.description,
          parameters: z.object({ expression: z.string() }),
          execute: ({ expression }) =>
            calculator.execute({ expression }, { episodeId: task.episodeId, signal: tuner.signal }),
        }),
      ],
    });
    try {
      const result = await run(agent, task.task.mainQuery, { maxTurns: tuner.rollout.maxSteps, signal: tuner.signal });
      // The judge (math_answer) reads the final answer.
      return { metadata: { finalAnswer: result.finalOutput?.trim() } };
    } catch (error) {
      // A run of tool calls with no answer has none; the recorded calls still train.
      if (error instanceof MaxTurnsExceededError) return { metadata: { finalAnswer: undefined } };
      throw error;
    }
  }
}
