import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, resolve } from 'node:path';
import { AjetError } from '@ajet/spec';
import { hostAllowed } from './host-check.ts';
import { assertExperimentDir, readExperimentIndex, readTrajectoryFile, trajectoryFile } from './read-experiment.ts';
import { renderReportHtml } from './render-report.ts';

export interface LogviewServer {
  /** `http://host:port/` */
  url: string;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function decodedOrUndefined(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Serves the live report of an experiment folder: `/` the page, `/api/experiment` metrics, charts and the
 * list of trajectory files, `/api/trajectories/<name>` one file's episodes. Reads the folder on every request,
 * so the page follows a run in progress. `waitForRun` allows a folder without `metrics.jsonl` yet. Requests whose
 * Host header is not this server (a DNS-rebound page) get 421, so no other site can read the trajectories.
 */
export async function startLogviewServer(options: {
  experimentDir: string;
  host?: string;
  port?: number;
  pollMs?: number;
  waitForRun?: boolean;
}): Promise<LogviewServer> {
  const dir = resolve(options.experimentDir);
  if (!options.waitForRun) assertExperimentDir(dir);
  const page = renderReportHtml({ title: basename(dir), pollMs: options.pollMs });

  const host = options.host ?? '127.0.0.1';
  let port = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed({ host: request.headers.host, port, boundHost: host })) {
      const shown = JSON.stringify((request.headers.host ?? '').slice(0, 200));
      return send(
        response,
        421,
        'text/plain',
        `Host ${shown} does not name this server; open http://localhost:${port}/ or its IP address, or bind --host to the name you use.`,
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'text/plain', 'only GET');
    }
    const path = URL.canParse(request.url ?? '/', 'http://localhost')
      ? new URL(request.url ?? '/', 'http://localhost').pathname
      : undefined;
    if (path === undefined) return send(response, 400, 'text/plain', 'not a valid request path');
    if (path === '/' || path === '/index.html') return send(response, 200, 'text/html; charset=utf-8', page);
    if (path === '/api/experiment') {
      const index = await readExperimentIndex(dir, { allowEmpty: true });
      return send(response, 200, 'application/json', JSON.stringify(index));
    }
    const match = /^\/api\/trajectories\/([^/]+)$/.exec(path);
    if (match) {
      const name = decodedOrUndefined(match[1] ?? '');
      if (name === undefined) return send(response, 400, 'text/plain', `not a valid %-escaped path: ${path}`);
      if (!trajectoryFile(name)) return send(response, 404, 'text/plain', `no trajectory file "${name}"`);
      const parsed = await readTrajectoryFile(dir, name);
      return send(
        response,
        200,
        'application/json',
        JSON.stringify({ episodes: parsed.rows, warnings: parsed.warnings }),
      );
    }
    send(response, 404, 'text/plain', 'not found');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      send(response, 500, 'text/plain', error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      rejectListen(
        new AjetError(`logview cannot listen on ${host}:${options.port ?? 0}: ${error.code ?? error.message}.`, {
          code: 'LOGVIEW_LISTEN',
          blame: 'user',
          hint: error.code === 'EADDRINUSE' ? 'Pick another --port (0 picks a free one).' : undefined,
          cause: error,
        }),
      );
    });
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
