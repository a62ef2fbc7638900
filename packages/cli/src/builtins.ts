import type { BuiltinRegistry } from '@ajet/core';

/** Bare names usable in YAML (`judge_protocol: math_answer`), each mapped to the package export that implements it. */
export const builtins: BuiltinRegistry = {
  dataset_file: {
    kind: 'task_reader',
    reference: '@ajet/readers->DatasetFileReader',
    load: () => import('@ajet/readers'),
  },
  huggingface_dat_repo: {
    kind: 'task_reader',
    reference: '@ajet/readers->HuggingFaceDatRepoReader',
    load: () => import('@ajet/readers'),
  },
  react_agent: { kind: 'workflow', reference: '@ajet/workflows->ReactAgent', load: () => import('@ajet/workflows') },
  math_answer: { kind: 'judge', reference: '@ajet/judges->MathAnswerJudge', load: () => import('@ajet/judges') },
  tool_discipline: {
    kind: 'judge',
    reference: '@ajet/judges->ToolDisciplineJudge',
    load: () => import('@ajet/judges'),
  },
  llm_judge: { kind: 'judge', reference: '@ajet/judges->LlmJudge', load: () => import('@ajet/judges') },
  weighted: { kind: 'judge', reference: '@ajet/judges->WeightedJudge', load: () => import('@ajet/judges') },
  calculator: { kind: 'tool', reference: '@ajet/tools->CalculatorTool', load: () => import('@ajet/tools') },
  execute_python_code: { kind: 'tool', reference: '@ajet/tools->ExecutePythonCode', load: () => import('@ajet/tools') },
};
