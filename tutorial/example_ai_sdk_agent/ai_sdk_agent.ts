// The calculator agent written as ordinary AI SDK code: generateText with a tool and stopWhen. `ajet(tuner)` is the
// episode's policy as a LanguageModel, called in process, so every call trains with its exact tokens.
import { ajet } from '@ajet/ai-sdk';
import type { Tuner, Workflow, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { CalculatorTagParser, CalculatorTool } from '@ajet/tools';
import { generateText, stepCountIs, tool } from 'ai';
import { z } from 'zod';

const SYSTEM =
  'You are a calculator agent. Call the calculator with YAML inside <calculator></calculator> tags, then give the final answer.';

export class AiSdkAgent implements Workflow {
  async execute(task: WorkflowTask, tuner: Tuner): Promise<WorkflowOutput> {
    const calculator = new CalculatorTool();
    const { text, steps } = await generateText({
      // The calculator policy writes <calculator> tags and reads results as <output>…</output> from the user.
      model: ajet(tuner, {
        toolCallParser: new CalculatorTagParser(),
        toolReply: { role: 'user', template: '<output>{output}</output>' },
      }),
      system: SYSTEM,
      prompt: task.task.mainQuery,
      tools: {
        calculator: tool({
          description: calculator.description,
          inputSchema: z.object({ expression: z.string() }),
          execute: ({ expression }) =>
            calculator.execute({ expression }, { episodeId: task.episodeId, signal: tuner.signal }),
        }),
      },
      stopWhen: stepCountIs(tuner.rollout.maxSteps),
      abortSignal: tuner.signal,
      maxRetries: 0,
    });
    // The judge (math_answer) reads the final answer; a run of tool calls with no answer has none.
    const answered = steps.at(-1)?.toolCalls.length === 0;
    return {
      metadata: { finalAnswer: answered ? text.trim() : undefined },
      logMetrics: { steps: steps.length, tool_calls: steps.reduce((total, step) => total + step.toolCalls.length, 0) },
    };
  }
}
