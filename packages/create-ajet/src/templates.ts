import { TRAIN_ROWS, VALIDATION_ROWS } from './dataset.ts';

export interface TemplateOptions {
  /** The package name written to package.json (the folder's name, made npm-safe). */
  name: string;
  /** The `ajet` version range the project depends on. */
  ajetRange: string;
}

const judge = `import type { Judge, JudgeResult, Trajectory, WorkflowOutput, WorkflowTask } from 'ajet';

export interface MyJudgeSettings {
  /** How far the answer may be from the reference and still count (the tasks divide: answers have decimals). */
  tolerance?: number;
}

/** 1 when the last number of the final answer is within \`tolerance\` of the task's answer, else 0. */
export class MyJudge implements Judge {
  private readonly tolerance: number;

  constructor(settings: MyJudgeSettings = {}) {
    this.tolerance = settings.tolerance ?? 0.1;
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const text = output.metadata.finalAnswer ?? trajectory.messages.at(-1)?.content ?? '';
    const prediction = text.replaceAll(',', '').match(/-?\\d+(?:\\.\\d+)?/g)?.at(-1);
    const reference = Number(task.task.metadata.answer);
    const isSuccess = prediction !== undefined && Math.abs(Number(prediction) - reference) <= this.tolerance;
    return { rawReward: isSuccess ? 1 : 0, isSuccess, details: { prediction, reference } };
  }
}
`;

const workflow = `import type { ChatMessage, WorkflowTask } from 'ajet';
import { ReactAgent } from 'ajet/workflows';

/**
 * The built-in ReAct loop (model call, tool call, tool reply, … answer), configured in config.yaml under
 * rollout.workflow_settings. Override its steps to change the prompt, the tool replies or the final answer.
 */
export class MyWorkflow extends ReactAgent {
  protected override buildMessages(task: WorkflowTask): ChatMessage[] {
    return super.buildMessages(task);
  }

  protected override extractFinalAnswer(message: ChatMessage): string {
    return message.content.trim();
  }
}
`;

const judgeTest = `import type { Trajectory, WorkflowTask } from 'ajet';
import { describe, expect, it } from 'vitest';
import { MyJudge } from '../src/judge.ts';

const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'What is 6 times 7?', metadata: { answer: '42' } },
  episodeId: 'e1',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};

function judge(answer: string) {
  const trajectory: Trajectory = { messages: [{ role: 'assistant', content: answer }], calls: [], sequences: [] };
  return new MyJudge().computeReward(task, { metadata: { finalAnswer: answer } }, trajectory);
}

describe('MyJudge', () => {
  it('rewards the right number', async () => {
    expect(await judge('The answer is 42.')).toMatchObject({ rawReward: 1, isSuccess: true });
  });

  it('gives 0 to a wrong number or none', async () => {
    expect(await judge('The answer is 41.')).toMatchObject({ rawReward: 0, isSuccess: false });
    expect(await judge('I do not know.')).toMatchObject({ rawReward: 0, isSuccess: false });
  });
});
`;

const config = `# Trains MyWorkflow, scored by MyJudge, with GRPO. Every key not written here keeps ajet's default
# (\`npx ajet --help\`); \`--set key.path=value\` overrides one for a run.
ajet:
  experiment_name: my_agent
  model:
    path: builtin:tinylm-calculator-smooth # a small policy shipped with ajet: trains on CPU, no download
  task_reader:
    type: dataset_file
    dataset_file:
      training:
        file_path: ./data/train.jsonl
      validation:
        file_path: ./data/validation.jsonl
  rollout:
    user_workflow: ./src/workflow.ts->MyWorkflow
    workflow_settings:
      system_prompt: You are a calculator agent. Call the calculator with YAML inside <calculator></calculator> tags, then give the final answer.
      tools: [calculator]
      tool_call_format: calculator_tag
      tool_reply_role: user
      tool_reply_template: <output>{output}</output>
      max_tool_calls: 5
    num_repeat: 4
    temperature: 0.9
    max_tokens: 160
    multi_turn:
      max_steps: 3
  task_judge:
    judge_protocol: ./src/judge.ts->MyJudge
    judge_settings:
      tolerance: 0.1
  data:
    train_batch_size: 4
  trainer_common:
    total_training_steps: 10
    test_freq: 5
    save_freq: 10
`;

const judgeCases = `{"question": "What is 6 times 7?", "prediction": "The answer is 42.", "reference": "42"}
{"question": "What is 6 times 7?", "prediction": "The answer is 41.", "reference": "42"}
`;

const launch = `{
  "version": "0.2.0",
  "configurations": [
    {
      "type": "node",
      "request": "launch",
      "name": "Debug one step",
      "program": "\${workspaceFolder}/node_modules/ajet/bin/ajet.js",
      "args": [
        "--conf",
        "config.yaml",
        "--backbone",
        "debug",
        "--set",
        "trainer_common.total_training_steps=1",
        "--set",
        "debug.debug_first_n_tasks=2",
        "--set",
        "trainer_common.val_before_train=false",
        "--set",
        "trainer_common.fail_if_nothing_trained=false",
        "--experiment-dir",
        "saved_experiments/debug",
        "--overwrite"
      ],
      "cwd": "\${workspaceFolder}",
      "sourceMaps": true,
      "resolveSourceMapLocations": ["\${workspaceFolder}/**", "!**/node_modules/**"],
      "skipFiles": ["<node_internals>/**"],
      "console": "integratedTerminal"
    }
  ]
}
`;

function readme(name: string): string {
  return `# ${name}

An agent trained with [ajet](https://www.npmjs.com/package/ajet): multi-turn RL (GRPO) for tool-using LLM agents.

\`\`\`sh
npm install
npx ajet --conf config.yaml --backbone debug
npx ajet judge './src/judge.ts->MyJudge' --cases data/judge_cases.jsonl
npm test
\`\`\`

1. \`npm install\` installs ajet, TypeScript and vitest.
2. \`npx ajet --conf config.yaml --backbone debug\` trains: 10 GRPO steps of \`MyWorkflow\` (src/workflow.ts), scored
   by \`MyJudge\` (src/judge.ts), on ajet's small CPU policy; results in saved_experiments/my_agent
   (\`npx ajet logview saved_experiments/my_agent\` shows the curves and episodes).
3. \`npx ajet judge …\` prints the judge's verdict on each line of data/judge_cases.jsonl; \`npm test\` runs the
   judge's unit test (test/judge.test.ts).

Debugging: open the folder in VS Code, set a breakpoint in src/judge.ts or src/workflow.ts and run
"Debug one step" (Run and Debug): one training step on two tasks.

Next: point \`ajet.model\` at your model and \`ajet.task_reader\` at your data; \`npx ajet --help\` lists the commands
and \`--set key=value\` overrides any config key.
`;
}

const tsconfig = `{
  "compilerOptions": {
    "target": "ES2023",
    "lib": ["ES2023"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "noEmit": true,
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true,
    "isolatedModules": true,
    "sourceMap": true,
    "types": ["node"]
  },
  "include": ["src", "test"]
}
`;

function packageJson(options: TemplateOptions): string {
  const pkg = {
    name: options.name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      train: 'ajet --conf config.yaml --backbone debug',
      test: 'vitest run',
      typecheck: 'tsc',
    },
    dependencies: { ajet: options.ajetRange },
    devDependencies: { '@types/node': '^20.19.0', typescript: '^5.9.3', vitest: '^4.1.12' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** Every file of a new project, by path relative to its folder. */
export function projectFiles(options: TemplateOptions): Record<string, string> {
  return {
    'package.json': packageJson(options),
    'tsconfig.json': tsconfig,
    'config.yaml': config,
    'src/judge.ts': judge,
    'src/workflow.ts': workflow,
    'test/judge.test.ts': judgeTest,
    'data/train.jsonl': `${TRAIN_ROWS.join('\n')}\n`,
    'data/validation.jsonl': `${VALIDATION_ROWS.join('\n')}\n`,
    'data/judge_cases.jsonl': judgeCases,
    '.vscode/launch.json': launch,
    '.gitignore': 'node_modules/\nsaved_experiments/\n',
    'README.md': readme(options.name),
  };
}
