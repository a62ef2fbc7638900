import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './run-ajet.ts';

const SHARED_DATA = join(REPO_ROOT, '../shared/data');

interface RequestMessage {
  role: string;
  content: string | null;
}

export interface ScriptedRequest {
  model: string;
  messages: RequestMessage[];
  tools?: unknown[];
  seed?: number;
  temperature?: number;
}

export interface ScriptedChatServer {
  /** e.g. http://127.0.0.1:PORT/v1 */
  baseUrl: string;
  requests: ScriptedRequest[];
  /** Most chat requests in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/** Question → reference answer for every GSM8K train row and AIME 2024 problem in ../shared/data. */
export function referenceAnswers(): Map<string, string> {
  const answers = new Map<string, string>();
  const lines = (file: string) =>
    readFileSync(join(SHARED_DATA, file), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const row of lines('gsm8k/train.jsonl')) {
    answers.set(String(row.question), (/####\s*(.+)$/.exec(String(row.answer))?.[1] ?? '').trim());
  }
  for (const row of [...lines('aime2024/aime2024.jsonl'), ...lines('aime2024/aime24_qwen25math_test.jsonl')]) {
    answers.set(String(row.problem), String(row.answer));
  }
  return answers;
}

function toolCall(code: string): string {
  return `<tool_call>\n${JSON.stringify({ name: 'execute_python_code', arguments: { code } })}\n</tool_call>`;
}

/** The stdout of the last `execute_python_code` reply, or undefined when the last message is not one. */
function lastPythonOutput(messages: RequestMessage[]): string | undefined {
  const last = messages.at(-1);
  if (last?.role !== 'tool') return undefined;
  try {
    return String((JSON.parse(last.content ?? '') as { stdout?: unknown }).stdout ?? '').trim();
  } catch {
    return undefined;
  }
}

/**
 * The model's turn, by the behaviour its name asks for: `…-no-print` (code without print), `…-early-answer`
 * (answers in the same message as its tool call), `…-malformed` (a broken `<tool_call>` first), `…-coin` (no tools:
 * right on seeds divisible by 5); any other name solves with one Python call and a `\boxed{}` answer.
 */
function reply(request: ScriptedRequest, answers: Map<string, string>): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  // llm_judge: a rubric, then the episode; score 1 when the final answer boxes the reference.
  const judged = /## Reference answer\n([^\n]*)[\s\S]*## Final answer given\n([\s\S]*)$/.exec(user);
  if (judged) {
    const reference = judged[1]?.trim() ?? '';
    return `The final answer ${judged[2]?.includes(`\\boxed{${reference}}`) ? 'matches' : 'does not match'} the reference.\nscore: ${judged[2]?.includes(`\\boxed{${reference}}`) ? 1 : 0}`;
  }
  const answer = answers.get(user.trim()) ?? '0';
  const behaviour = /-(no-print|early-answer|malformed|coin)$/.exec(request.model)?.[1] ?? 'solve';
  if (!request.tools || request.tools.length === 0) {
    const right = behaviour !== 'coin' || (request.seed ?? 0) % 5 === 0;
    return `Let me work through it step by step.\nSo the answer is \\boxed{${right ? answer : `${answer}1`}}.`;
  }
  const assistantTurns = request.messages.filter((message) => message.role === 'assistant').length;
  const output = lastPythonOutput(request.messages);
  const code = `answer = ${JSON.stringify(answer)}\nprint(answer)`;
  switch (behaviour) {
    case 'no-print':
      if (assistantTurns === 0) return `I will compute it.\n${toolCall(`answer = ${JSON.stringify(answer)}\nanswer`)}`;
      return `The program printed nothing, but the answer is \\boxed{${answer}}.`;
    case 'early-answer':
      if (assistantTurns === 0) return `The answer is \\boxed{${answer}}.\n${toolCall(code)}`;
      return `Confirmed: \\boxed{${output ?? ''}}.`;
    case 'malformed':
      if (assistantTurns === 0)
        return `<tool_call>\n{"name": "execute_python_code", "arguments": {"code": "print(1)"}\n</tool_call>`;
      if (assistantTurns === 1) return `Let me fix the call.\n${toolCall(code)}`;
      return `The program printed ${output}, so the answer is \\boxed{${output}}.`;
    default:
      if (output === undefined) return `I will compute it with Python.\n${toolCall(code)}`;
      return `The program printed ${output}, so the answer is \\boxed{${output}}.`;
  }
}

/**
 * A loopback OpenAI-compatible chat server that plays a scripted model for the math tutorials: it knows the
 * reference answers of the shared GSM8K and AIME rows and writes Hermes `<tool_call>` blocks for
 * `execute_python_code`. It also answers `llm_judge` prompts with a `score:` line.
 */
export async function startScriptedChatServer(options: { delayMs?: number } = {}): Promise<ScriptedChatServer> {
  const answers = referenceAnswers();
  const requests: ScriptedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.url?.endsWith('/models')) {
        response.end(JSON.stringify({ object: 'list', data: [{ id: 'scripted', object: 'model' }] }));
        return;
      }
      const parsed = JSON.parse(body) as ScriptedRequest;
      requests.push(parsed);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const content = reply(parsed, answers);
      setTimeout(() => {
        inFlight -= 1;
        response.end(
          JSON.stringify({
            id: `chat-${requests.length}`,
            object: 'chat.completion',
            created: 0,
            model: parsed.model,
            choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
          }),
        );
      }, options.delayMs ?? 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
