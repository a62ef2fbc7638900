// A loopback OpenAI-compatible chat endpoint whose "model" is a script of hostile turns: Python that attacks its
// sandbox, `\boxed{}` answers that would blow up an evaluator, `$` patterns in tool output, calculator overflow.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface RequestMessage {
  role: string;
  content: string | null;
}

const STEAL_REPLY_FD =
  'import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.syscall.restype = ctypes.c_long\n' +
  'pidfd = libc.syscall(434, os.getppid(), 0)\nfd = libc.syscall(438, pidfd, 3, 0) if pidfd >= 0 else -1\n';

/** What the hostile model writes as its first turn, by episode (cycled). */
export const OPENERS: { name: string; code?: string; answer?: string; calculator?: string }[] = [
  {
    name: 'reply flood',
    code: `${STEAL_REPLY_FD}if fd >= 0:\n    for _ in range(700):\n        os.write(fd, b'x' * (1 << 20))\nprint(fd)`,
  },
  {
    name: 'forged replies',
    code: `${STEAL_REPLY_FD}if fd >= 0:\n    os.write(fd, b'{"stdout": "FORGED", "stderr": "", "returncode": 0, "error_kind": null}\\n' * 4)\nprint(fd)`,
  },
  {
    name: 'fork storm',
    code: "import os, time\nfor i in range(20):\n    try:\n        if os.fork() == 0:\n            os.setsid(); os.close(1); time.sleep(60); os._exit(0)\n    except OSError:\n        break\nprint('forked')",
  },
  {
    name: 'fill /tmp',
    code: "for i in range(64):\n    open(f'/tmp/f{i}', 'wb').write(b'0' * (15 << 20))\nprint('full')",
  },
  { name: 'dollar patterns', code: 'print("$& $\' $` $$ {output}")' },
  { name: 'boxed ones()', answer: 'The answer is \\boxed{ones(30000,30000)}.' },
  { name: 'boxed power tower', answer: 'So \\boxed{9^9^9^9}.' },
  {
    name: 'calculator overflow',
    calculator: JSON.stringify({ expression: 'operation: divide\noperands: [1e400, 3]' }),
  },
];

const SECOND_TURN = 'The answer is \\boxed{0}.';

function toolCall(name: string, argumentsJson: string): string {
  return `<tool_call>\n{"name": "${name}", "arguments": ${argumentsJson}}\n</tool_call>`;
}

function turn(messages: RequestMessage[], counter: number): string {
  if (messages.some((message) => message.role === 'tool' || message.role === 'assistant')) return SECOND_TURN;
  const opener = OPENERS[counter % OPENERS.length];
  if (!opener) return SECOND_TURN;
  if (opener.code !== undefined) return toolCall('execute_python_code', JSON.stringify({ code: opener.code }));
  if (opener.calculator !== undefined) return toolCall('calculator', opener.calculator);
  return opener.answer ?? SECOND_TURN;
}

export interface HostileEndpoint {
  baseUrl: string;
  requests(): number;
  close(): Promise<void>;
}

export async function startHostileEndpoint(): Promise<HostileEndpoint> {
  let counter = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.url?.endsWith('/models')) {
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'hostile', object: 'model' }] }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { model: string; messages: RequestMessage[] };
      const first = !body.messages.some((message) => message.role === 'tool' || message.role === 'assistant');
      const content = turn(body.messages, counter);
      if (first) counter += 1;
      response.end(
        JSON.stringify({
          id: `hostile-${counter}`,
          object: 'chat.completion',
          created: 0,
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => counter,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface HostileRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  ms: number;
  expectedEpisodes: number;
  episodes: number;
  failed: number;
  zeroReward: number;
  /** Tool replies holding the `$` patterns exactly as the snippet printed them. */
  dollarsVerbatim: number;
}

/**
 * `ajet --conf … --backbone debug` on the calculator tutorial's data, reader and judge, with a react_agent holding
 * the calculator and the Python sandbox, against the hostile endpoint; then counts what the trajectories recorded.
 */
export async function runAgainstHostileEndpoint(options: {
  folder: string;
  steps: number;
  tasksPerStep: number;
  repeats: number;
}): Promise<HostileRun> {
  const endpoint = await startHostileEndpoint();
  const conf = join(options.folder, 'hostile.yaml');
  writeFileSync(
    conf,
    `extends: ${join(ROOT, 'tutorial/example_calculator_agent/calculator_agent.yaml')}
ajet:
  experiment_name: hostile_endpoint
  model:
    path: hostile
    endpoint:
      base_url: ${endpoint.baseUrl}
  rollout:
    workflow_settings:
      system_prompt: You are a calculator agent with a Python sandbox.
      tools: [calculator, execute_python_code]
      tool_call_format: hermes
      tool_reply_role: tool
      tool_reply_template: '{output}'
      max_tool_calls: 2
    num_repeat: ${options.repeats}
    multi_turn:
      max_steps: 2
  data:
    train_batch_size: ${options.tasksPerStep}
  trainer_common:
    total_training_steps: ${options.steps}
    val_before_train: false
    test_freq: 0
`,
  );
  const experimentDir = join(options.folder, 'run');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'packages/cli/bin/ajet.js'), '--conf', conf, '--backbone', 'debug', '--experiment-dir', experimentDir],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 1 << 16) stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
  );
  clearTimeout(timer);
  await endpoint.close();
  const run: HostileRun = {
    code,
    signal,
    stderr,
    ms: performance.now() - started,
    expectedEpisodes: options.steps * options.tasksPerStep * options.repeats,
    episodes: 0,
    failed: 0,
    zeroReward: 0,
    dollarsVerbatim: 0,
  };
  for (let step = 1; step <= options.steps; step++) {
    let text: string;
    try {
      text = readFileSync(join(experimentDir, 'trajectories', `step-${step}.jsonl`), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n')) {
      const episode = JSON.parse(line) as {
        reward?: number;
        error?: unknown;
        messages?: { role: string; content: string | null }[];
      };
      run.episodes += 1;
      if (episode.error) run.failed += 1;
      else if (episode.reward === 0) run.zeroReward += 1;
      if (episode.messages?.some((message) => message.role === 'tool' && message.content?.includes("$& $' $` $$"))) {
        run.dollarsVerbatim += 1;
      }
    }
  }
  return run;
}
