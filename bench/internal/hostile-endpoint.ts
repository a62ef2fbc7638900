// A loopback OpenAI-compatible chat endpoint whose "model" is a script of hostile turns: Python that attacks its
// sandbox, `\boxed{}` answers that would blow up an evaluator, `$` patterns in tool output, calculator overflow.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

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
