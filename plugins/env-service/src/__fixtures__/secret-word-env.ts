// A small environment server speaking AgentJet's env_service protocol, for tests: each task hides a word; the
// agent wins by saying it. `close()` kills it mid-episode (connections dropped), as a crashed server would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const WORDS = ['apple', 'river', 'stone', 'cloud'];

export interface SecretWordEnv {
  url: string;
  /** Instances created and not released. */
  live: () => number;
  close: () => Promise<void>;
}

/** `dieAtStep`: the server drops the connection of that `step` request (1-based) and every request after it. */
export async function startSecretWordEnv(options: { dieAtStep?: number } = {}): Promise<SecretWordEnv> {
  let steps = 0;
  let dead = false;
  const instances = new Map<string, { word: string; solved: boolean }>();
  let next = 0;
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => {
      if (request.url === '/step') steps += 1;
      if (dead || steps === options.dieAtStep) {
        dead = true;
        request.socket.destroy();
        return;
      }
      const body = JSON.parse(text || '{}') as {
        env_type: string;
        task_id: string | null;
        instance_id: string | null;
        messages: { content?: string };
        params: { split?: string };
      };
      const reply = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(value));
      };
      if (body.env_type !== 'secret_word') return reply(400, { detail: `unknown env_type ${body.env_type}` });
      const instance = body.instance_id ? instances.get(body.instance_id) : undefined;
      switch (request.url) {
        case '/get_env_profile':
          return reply(200, { data: body.params.split === 'train' ? ['0', '1', '2'] : ['3'] });
        case '/create': {
          const word = WORDS[Number(body.task_id)] ?? 'none';
          const instanceId = `inst-${next++}`;
          instances.set(instanceId, { word, solved: false });
          return reply(200, {
            data: {
              state: [
                { role: 'system', content: 'Say the secret word.' },
                { role: 'user', content: `The secret word is ${word}.` },
              ],
              info: { instance_id: instanceId },
            },
          });
        }
        case '/step': {
          if (!instance) return reply(404, { detail: 'no such instance' });
          instance.solved = String(body.messages.content ?? '').includes(instance.word);
          return reply(200, {
            data: {
              state: [{ role: 'user', content: instance.solved ? 'Correct.' : 'Wrong, try again.' }],
              reward: instance.solved ? 1 : 0,
              is_terminated: instance.solved,
              info: {},
            },
          });
        }
        case '/evaluate':
          if (!instance) return reply(404, { detail: 'no such instance' });
          return reply(200, { data: instance.solved ? 1 : 0 });
        case '/release':
          return reply(200, { success: body.instance_id ? instances.delete(body.instance_id) : false });
        default:
          return reply(404, { detail: `no endpoint ${request.url}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    live: () => instances.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
