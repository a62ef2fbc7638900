import type { PluginManifest } from '@ajet/spec';

/** The judges `task_judge.judge_protocol` and `ajet judge NAME` name by a bare name. */
export const manifest: PluginManifest = [
  {
    kind: 'judge',
    name: 'math_answer',
    summary: 'the final answer equals the reference (numbers, fractions, LaTeX)',
    load: async () => (await import('./math-answer-judge.ts')).MathAnswerJudge,
  },
  {
    kind: 'judge',
    name: 'tool_discipline',
    summary: 'penalises how the agent used its tools, read from the trajectory',
    load: async () => (await import('./tool-discipline-judge.ts')).ToolDisciplineJudge,
  },
  {
    kind: 'judge',
    name: 'llm_judge',
    summary: 'asks an OpenAI-compatible model to grade the answer',
    load: async () => (await import('./llm-judge.ts')).LlmJudge,
  },
  {
    kind: 'judge',
    name: 'weighted',
    summary: 'a weighted sum of other judges',
    load: async () => (await import('./weighted-judge.ts')).WeightedJudge,
  },
  {
    kind: 'judge',
    name: 'call_numbers',
    summary: "the share of the question's numbers the tool calls carry, in order (a dense partner for math_answer)",
    load: async () => (await import('./call-numbers-judge.ts')).CallNumbersJudge,
  },
  {
    kind: 'judge',
    name: 'calculator_steps',
    summary:
      "the share of the reference expression's partial results the calculator calls compute (a dense partner for math_answer)",
    load: async () => (await import('./calculator-steps-judge.ts')).CalculatorStepsJudge,
  },
];
