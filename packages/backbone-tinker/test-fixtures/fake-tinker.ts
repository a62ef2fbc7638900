import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const servers: Server[] = [];

/** Closes every fake started so far (call in afterEach). */
export async function closeFakeTinkers(): Promise<void> {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
}

export interface FakeAnswer {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A loopback server answering each POST path with what `routes` says; records every request. */
export async function fakeTinker(
  routes: Record<string, (body: unknown, headers: Record<string, unknown>) => FakeAnswer>,
) {
  const seen: { path: string; body: unknown; apiKey: unknown }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
    });
    request.on('end', () => {
      const path = request.url ?? '';
      const raw = Buffer.concat(chunks);
      // forward_backward may come as protobuf (the SDK's way): the route gets the bytes.
      const binary = request.headers['content-type'] === 'application/x-protobuf';
      const body: unknown = binary ? raw : raw.length > 0 ? JSON.parse(raw.toString()) : undefined;
      seen.push({ path, body, apiKey: request.headers['x-api-key'] });
      const route = routes[path];
      const answer = route ? route(body, request.headers) : { status: 404, body: { detail: 'no route' } };
      response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
      response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(server);
  return { baseUrl: `http://127.0.0.1:${port}`, seen };
}
