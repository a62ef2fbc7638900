import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LogviewServer, startLogviewServer } from './logview-server.ts';
import { readReportData, renderReportHtml } from './render-report.ts';
import type { EpisodeView, ExperimentIndex } from './report-data.ts';

const row = (step: number) =>
  `${JSON.stringify({ step, phase: 'train', time: step, metrics: { 'reward/mean': step / 10 } })}\n`;
const episode = (id: string) =>
  `${JSON.stringify({
    step: 1,
    episodeId: id,
    reward: 0,
    isSuccess: false,
    messages: [{ role: 'user', content: '</script><script>alert(1)</script>' }],
    sequences: [{ tokenIds: [5, 6], lossMask: [0, 1], logprobs: [0, -1] }],
  })}\n`;

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ajet-logview-server-'));
  mkdirSync(join(dir, 'trajectories'));
  return dir;
}

let server: LogviewServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('renderReportHtml', () => {
  it('embeds the data so that no message can close the script element, and inlines uPlot', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'metrics.jsonl'), row(1));
    writeFileSync(join(dir, 'trajectories', 'step-1.jsonl'), episode('e1'));
    const html = renderReportHtml({ title: 'x<y', data: await readReportData(dir) });
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(1)');
    expect(html).toContain('<title>ajet · x&#60;y</title>');
    expect(html).toMatch(/uPlot/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
  });
});

/** A GET with a Host header of our choosing (fetch cannot set one), as a DNS-rebound page would send it. */
function getWithHost(url: string, path: string, host: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('startLogviewServer', () => {
  it('answers only requests whose Host names this server (no DNS rebinding), with its port', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'metrics.jsonl'), row(1));
    writeFileSync(join(dir, 'trajectories', 'step-1.jsonl'), episode('secret-episode'));
    server = await startLogviewServer({ experimentDir: dir, port: 0 });
    const url = server.url;
    const port = new URL(url).port;
    for (const path of ['/', '/api/experiment', '/api/trajectories/step-1']) {
      const rebound = await getWithHost(url, path, `attacker.example:${port}`);
      expect(rebound.status, path).toBe(421);
      expect(rebound.body).not.toContain('secret-episode');
      expect(rebound.body).toMatch(/Host "attacker\.example:\d+" does not name this server/);
    }
    expect((await getWithHost(url, '/api/experiment', `localhost:${Number(port) + 1}`)).status).toBe(421);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await getWithHost(url, '/api/trajectories/step-1', host)).body).toContain('secret-episode');
    }
  });

  it('answers a bad %-escape with 400, not 500', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'metrics.jsonl'), row(1));
    server = await startLogviewServer({ experimentDir: dir, port: 0 });
    const response = await fetch(new URL('/api/trajectories/step-%E0%A4%A', server.url));
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/not a valid %-escaped path/);
  });

  it('serves the page, the index as it grows, and one step’s episodes', async () => {
    const dir = folder();
    server = await startLogviewServer({ experimentDir: dir, port: 0, waitForRun: true });
    const get = (path: string) => fetch(new URL(path, server?.url));
    const json = async <T>(path: string) => (await (await get(path)).json()) as T;
    expect((await get('/')).headers.get('content-type')).toMatch(/text\/html/);
    expect((await json<ExperimentIndex>('/api/experiment')).metrics).toEqual([]);

    writeFileSync(join(dir, 'metrics.jsonl'), row(1) + row(2));
    writeFileSync(join(dir, 'trajectories', 'step-1.jsonl'), episode('e1') + episode('e2'));
    const index = await json<ExperimentIndex>('/api/experiment');
    expect(index.charts.find((chart) => chart.id === 'reward')?.x).toEqual([1, 2]);
    expect(index.trajectories).toEqual([{ name: 'step-1', step: 1, phase: 'train' }]);
    const episodes = await json<{ episodes: EpisodeView[] }>('/api/trajectories/step-1');
    expect(episodes.episodes.map((view) => view.episodeId)).toEqual(['e1', 'e2']);
    expect((await get('/api/trajectories/..%2Fmetrics')).status).toBe(404);
    expect((await get('/nothing')).status).toBe(404);
  });

  it('refuses a folder that is not an experiment unless waiting for a run', async () => {
    await expect(startLogviewServer({ experimentDir: folder(), port: 0 })).rejects.toThrow(/no metrics\.jsonl/);
  });

  it('names the port when it is taken', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'metrics.jsonl'), row(1));
    server = await startLogviewServer({ experimentDir: dir, port: 0 });
    const port = new URL(server.url).port;
    await expect(startLogviewServer({ experimentDir: dir, port: Number(port) })).rejects.toThrow(
      `logview cannot listen on 127.0.0.1:${port}: EADDRINUSE. Pick another --port`,
    );
  });
});
