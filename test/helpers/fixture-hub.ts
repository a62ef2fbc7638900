import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { REPO_ROOT } from './run-ajet.ts';

export const FIXTURE_HUB_ROOT = join(REPO_ROOT, 'test/fixtures/hub');

export interface HubRequest {
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface FixtureHubOptions {
  /** Folder with `datasets/<owner>/<name>/…`; default test/fixtures/hub. */
  root?: string;
  /** Entries per page of the tree listing (pagination through `Link: <…>; rel="next"`). */
  pageSize?: number;
  /** Every request must carry `Authorization: Bearer <token>`; others get 401. */
  token?: string;
  /** Repo path → bytes after which the first download of it drops the connection. */
  cutAfter?: Record<string, number>;
  /** Repo path → bytes after which the first download of it stops sending, the connection left open. */
  stallAfter?: Record<string, number>;
  /** Repo paths whose downloads serve other bytes than the listing's checksum. */
  corrupt?: string[];
}

export interface FixtureHub {
  endpoint: string;
  requests: HubRequest[];
  close(): Promise<void>;
}

function filesOf(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesOf(join(folder, entry.name)) : [join(folder, entry.name)],
  );
}

/**
 * A loopback stand-in for the Hugging Face hub serving a fixture folder through the two endpoints
 * `ajet download` uses: the paginated tree listing (LFS sha256 for parquet files, git blob ids for the rest) and
 * `resolve` downloads, which redirect to a blob URL that honours Range, like the hub's CDN.
 */
export async function startFixtureHub(options: FixtureHubOptions = {}): Promise<FixtureHub> {
  const root = options.root ?? FIXTURE_HUB_ROOT;
  const pageSize = options.pageSize ?? 2;
  const requests: HubRequest[] = [];
  const cutsDone = new Set<string>();
  const stallsDone = new Set<string>();

  const repoFolder = (repo: string) => join(root, 'datasets', ...repo.split('/'));
  const notFound = (response: ServerResponse, code: string) => {
    response.writeHead(404, { 'x-error-code': code, 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: code === 'RevisionNotFound' ? 'Invalid rev id' : 'Repository not found' }));
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://hub');
    requests.push({
      method: request.method ?? 'GET',
      url: url.pathname + url.search,
      range: request.headers.range,
      authorization: request.headers.authorization,
    });
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401, { 'x-error-code': 'RepoNotFound' });
      response.end('{"error":"Invalid username or password."}');
      return;
    }
    const tree = /^\/api\/datasets\/(.+)\/tree\/([^/]+)$/.exec(url.pathname);
    if (tree) {
      const repo = decodeURIComponent(tree[1] ?? '');
      if (!statSync(repoFolder(repo), { throwIfNoEntry: false })) return notFound(response, 'RepoNotFound');
      if (decodeURIComponent(tree[2] ?? '') !== 'main') return notFound(response, 'RevisionNotFound');
      const entries = filesOf(repoFolder(repo))
        .sort()
        .map((file) => {
          const bytes = readFileSync(file);
          const path = relative(repoFolder(repo), file).split(sep).join('/');
          const gitOid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
          return file.endsWith('.parquet')
            ? {
                type: 'file',
                path,
                size: bytes.length,
                oid: gitOid,
                lfs: { oid: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 130 },
              }
            : { type: 'file', path, size: bytes.length, oid: gitOid };
        });
      const withFolders = [{ type: 'directory', path: 'main', oid: '0', size: 0 }, ...entries];
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = withFolders.slice(cursor, cursor + pageSize);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (cursor + pageSize < withFolders.length) {
        headers.link = `<${url.pathname}?recursive=true&cursor=${cursor + pageSize}>; rel="next"`;
      }
      response.writeHead(200, headers);
      response.end(JSON.stringify(page));
      return;
    }
    const resolveMatch = /^\/datasets\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolveMatch) {
      if (decodeURIComponent(resolveMatch[2] ?? '') !== 'main') return notFound(response, 'RevisionNotFound');
      response.writeHead(302, { location: `/blobs/${resolveMatch[1]}/${resolveMatch[3]}` });
      response.end();
      return;
    }
    const blob = /^\/blobs\/(.+?\/.+?)\/(.+)$/.exec(url.pathname);
    if (blob) {
      const repo = decodeURIComponent(blob[1] ?? '');
      const path = decodeURIComponent(blob[2] ?? '');
      const file = join(repoFolder(repo), ...path.split('/'));
      if (!statSync(file, { throwIfNoEntry: false })) return notFound(response, 'EntryNotFound');
      let bytes = readFileSync(file);
      if (options.corrupt?.includes(path))
        bytes = Buffer.from(bytes.map((byte, index) => (index === 7 ? byte ^ 1 : byte)));
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const body = bytes.subarray(start);
      response.writeHead(range ? 206 : 200, {
        'content-length': String(body.length),
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
      });
      const cut = options.cutAfter?.[path];
      if (cut !== undefined && !cutsDone.has(path)) {
        cutsDone.add(path);
        response.write(body.subarray(0, cut), () => setTimeout(() => response.destroy(), 20));
        return;
      }
      const stall = options.stallAfter?.[path];
      if (stall !== undefined && !stallsDone.has(path)) {
        stallsDone.add(path);
        response.write(body.subarray(0, stall));
        return;
      }
      response.end(body);
      return;
    }
    response.writeHead(404);
    response.end();
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
