import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AjetError } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadDataset } from './download-dataset.ts';
import { downloadFile } from './download-file.ts';
import { HubClient } from './hub-client.ts';
import { listDatasetFiles } from './list-dataset-files.ts';

interface Seen {
  url: string;
  authorization?: string;
}

interface Loopback {
  origin: string;
  seen: Seen[];
  close(): Promise<void>;
}

const servers: Loopback[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A loopback HTTP server answering with `handle`; every request's URL and Authorization header is recorded. */
async function serve(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<Loopback> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const loopback: Loopback = {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loopback);
  return loopback;
}

/** A hub that lists `entries` on one page and serves `body` (default `hello`) for every file. */
function simpleHub(entries: { path: string; size: number }[], body = 'hello') {
  return serve((request, response) => {
    if (request.url?.startsWith('/api/datasets/')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(entries.map((entry) => ({ type: 'file', ...entry }))));
      return;
    }
    response.writeHead(200, { 'content-length': String(Buffer.byteLength(body)) });
    response.end(body);
  });
}

const scratch = () => mkdtempSync(join(tmpdir(), 'ajet-hub-unit-'));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(AjetError);
  return (error as AjetError).code;
}

const download = (endpoint: string, destination: string, extra: { token?: string } = {}) =>
  downloadDataset({ endpoint, token: extra.token ?? '', repo: 'o/d', destination, retryDelayMs: 1 });

describe('downloadDataset against a hostile hub', () => {
  for (const path of ['.', '..', './x', 'a/./b', 'a/../../x', '/etc/x', 'a//b', 'a\\..\\x', 'x\0y']) {
    it(`refuses the listed path ${JSON.stringify(path)} and writes nothing beside DIR`, async () => {
      const hub = await simpleHub([{ path, size: 5 }]);
      const parent = scratch();
      const dir = join(parent, 'data');
      expect(await codeOf(download(hub.origin, dir))).toBe('HUB_UNSAFE_PATH');
      expect(readdirSync(parent)).toEqual([]);
      expect(hub.seen.filter((request) => !request.url.startsWith('/api/'))).toEqual([]);
    });
  }

  it('downloadFile itself refuses a path outside the destination, whatever listed it', async () => {
    const hub = await simpleHub([]);
    const parent = scratch();
    const client = new HubClient({ endpoint: hub.origin, token: '' });
    for (const path of ['.', 'a/../..', '../x']) {
      const file = { path, size: 5 };
      const attempt = downloadFile({
        client,
        ref: { repo: 'o/d', revision: 'main' },
        file,
        destination: join(parent, 'd'),
      });
      expect(await codeOf(attempt)).toBe('HUB_UNSAFE_PATH');
    }
    expect(readdirSync(parent)).toEqual([]);
    expect(hub.seen).toEqual([]);
  });

  it('refuses a .part planted as a symlink instead of writing through it', async () => {
    const hub = await simpleHub([{ path: 'data.txt', size: 5 }]);
    const parent = scratch();
    const dir = join(parent, 'data');
    mkdirSync(dir);
    writeFileSync(join(parent, 'victim'), '');
    symlinkSync(join(parent, 'victim'), join(dir, 'data.txt.part'));
    expect(await codeOf(download(hub.origin, dir))).toBe('HUB_UNSAFE_PATH');
    expect(readFileSync(join(parent, 'victim'), 'utf8')).toBe('');
    expect(existsSync(join(dir, 'data.txt'))).toBe(false);
  });

  it('refuses a folder inside DIR that is a symlink to elsewhere', async () => {
    const hub = await simpleHub([{ path: 'main/data.txt', size: 5 }]);
    const parent = scratch();
    const dir = join(parent, 'data');
    mkdirSync(dir);
    mkdirSync(join(parent, 'elsewhere'));
    symlinkSync(join(parent, 'elsewhere'), join(dir, 'main'));
    expect(await codeOf(download(hub.origin, dir))).toBe('HUB_UNSAFE_PATH');
    expect(readdirSync(join(parent, 'elsewhere'))).toEqual([]);
  });

  it("sends HF_TOKEN only to the endpoint's origin, not to a next page or a redirect on another host", async () => {
    const other = await serve((request, response) => {
      if (request.url?.startsWith('/page2')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('[]');
        return;
      }
      response.writeHead(200, { 'content-length': '5' });
      response.end('hello');
    });
    const hub = await serve((request, response) => {
      if (request.url?.startsWith('/api/datasets/')) {
        response.writeHead(200, { 'content-type': 'application/json', link: `<${other.origin}/page2>; rel="next"` });
        response.end(JSON.stringify([{ type: 'file', path: 'data.txt', size: 5 }]));
        return;
      }
      response.writeHead(302, { location: `${other.origin}/blob/data.txt` });
      response.end();
    });
    const dir = join(scratch(), 'data');
    await download(hub.origin, dir, { token: 'hf_secret' });
    expect(readFileSync(join(dir, 'data.txt'), 'utf8')).toBe('hello');
    expect(hub.seen.map((request) => request.authorization)).toEqual(['Bearer hf_secret', 'Bearer hf_secret']);
    expect(other.seen.map((request) => request.url)).toEqual(['/page2', '/blob/data.txt']);
    expect(other.seen.map((request) => request.authorization)).toEqual([undefined, undefined]);
  });

  it('stops reading a body that runs past the listed size, and keeps no part', async () => {
    const total = 64 * 1024 * 1024;
    let served = 0;
    let finished = false;
    const chunk = Buffer.alloc(64 * 1024, 120);
    const hub = await serve((request, response) => {
      if (request.url?.startsWith('/api/datasets/')) {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify([{ type: 'file', path: 'data.txt', size: 5 }]));
        return;
      }
      response.writeHead(200);
      const pump = () => {
        while (served < total) {
          served += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        finished = true;
        response.end();
      };
      response.on('close', () => response.removeAllListeners('drain'));
      pump();
    });
    const dir = join(scratch(), 'data');
    const error = await download(hub.origin, dir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AjetError);
    expect((error as AjetError).code).toBe('HUB_SIZE_MISMATCH');
    expect((error as AjetError).message).toMatch(/more than the 5 bytes the hub lists/);
    expect(finished).toBe(false);
    expect(served).toBeLessThan(total / 2);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('errors on a listing page whose next link repeats a page', async () => {
    const hub = await serve((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', link: `<${request.url}>; rel="next"` });
      response.end(JSON.stringify([{ type: 'file', path: 'data.txt', size: 5 }]));
    });
    const client = new HubClient({ endpoint: hub.origin, token: '' });
    const listing = listDatasetFiles({ client, ref: { repo: 'o/d', revision: 'main' } });
    await expect(listing).rejects.toThrow(/links back to a page already read/);
    expect(hub.seen).toHaveLength(1);
  });

  it('errors, not "done", past the page cap of the listing', async () => {
    let cursor = 0;
    const hub = await serve((_request, response) => {
      cursor += 1;
      response.writeHead(200, { 'content-type': 'application/json', link: `</next?cursor=${cursor}>; rel="next"` });
      response.end(JSON.stringify([{ type: 'file', path: `f${cursor}.txt`, size: 1 }]));
    });
    const client = new HubClient({ endpoint: hub.origin, token: '' });
    const listing = listDatasetFiles({ client, ref: { repo: 'o/d', revision: 'main' }, maxPages: 3 });
    expect(await codeOf(listing)).toBe('HUB_TOO_MANY_PAGES');
    expect(hub.seen).toHaveLength(3);
  }, 120_000);

  it('fails a file whose server stops sending mid-body with one line naming the URL, not a hang', async () => {
    const hub = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': '10' });
      response.write('hello'); // and nothing more, the connection held open
    });
    const client = new HubClient({ endpoint: hub.origin, token: '', stallTimeoutMs: 300 });
    const attempt = downloadFile({
      client,
      ref: { repo: 'o/d', revision: 'main' },
      file: { path: 'data.txt', size: 10 },
      destination: scratch(),
      maxAttempts: 2,
      retryDelayMs: 1,
    });
    const error = await attempt.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AjetError);
    expect((error as AjetError).code).toBe('HUB_STALLED');
    expect((error as AjetError).message).toBe(
      `No data from ${hub.origin}/datasets/o/d/resolve/main/data.txt for 0.3 s: the server stopped sending. Run the command again (it resumes where it stopped), or allow longer with --stall-timeout=SECONDS.`,
    );
    // The retry resumed after the 5 bytes the stalled attempt wrote.
    expect(hub.seen).toHaveLength(2);
  }, 10_000);

  it('fails a listing whose server never answers, naming the URL', async () => {
    const hub = await serve(() => undefined);
    const client = new HubClient({ endpoint: hub.origin, token: '', stallTimeoutMs: 300 });
    const listing = listDatasetFiles({ client, ref: { repo: 'o/d', revision: 'main' } });
    await expect(listing).rejects.toThrow(
      `No data from ${hub.origin}/api/datasets/o/d/tree/main?recursive=true for 0.3 s: the server stopped sending.`,
    );
  }, 10_000);
});
