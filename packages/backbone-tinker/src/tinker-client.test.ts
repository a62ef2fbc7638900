import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeTinkers, fakeTinker } from '../test-fixtures/fake-tinker.ts';
import { sampleResponseSchema, tinkerEndpoints } from './protocol.ts';
import { TinkerClient } from './tinker-client.ts';

afterEach(closeFakeTinkers);

const sampleBody = { type: 'sample', num_samples: 1, prompt: { chunks: [] }, sampling_params: {} };

describe('TinkerClient error paths against a loopback fake', () => {
  it('401: one line naming TINKER_API_KEY, no retry', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ status: 401, body: { detail: 'Invalid API key' } }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-wrong', deadlineMs: 5000 });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.code).toBe('TINKER_UNAUTHORIZED');
    expect(error.message).toContain('TINKER_API_KEY is set but not accepted');
    expect(error.message).not.toContain('\n');
    expect(fake.seen).toHaveLength(1);
    expect(fake.seen[0]?.apiKey).toBe('tml-wrong');
  });

  it('401 without a key says the variable is not set', async () => {
    const fake = await fakeTinker({ [tinkerEndpoints.asample]: () => ({ status: 401, body: {} }) });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: undefined, deadlineMs: 5000 });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.message).toMatch(/TINKER_API_KEY is not set.*Set TINKER_API_KEY/);
    expect(fake.seen[0]?.apiKey).toBeUndefined();
  });

  it('429 then success: retried with backoff, then the future is polled to its result', async () => {
    let posts = 0;
    let polls = 0;
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => {
        posts += 1;
        return posts === 1
          ? { status: 429, body: { detail: 'rate limited' }, headers: { 'retry-after': '0.01' } }
          : { body: { request_id: 'r1' } };
      },
      [tinkerEndpoints.retrieveFuture]: (body) => {
        polls += 1;
        expect(body).toEqual({ request_id: 'r1', allow_metadata_only: false });
        if (polls === 1) return { body: { type: 'try_again', request_id: 'r1', queue_state: 'active' } };
        if (polls === 2) return { status: 503, body: 'busy' };
        return {
          body: { type: 'sample', sequences: [{ tokens: [5, 6], logprobs: [-0.1, -0.2], stop_reason: 'stop' }] },
        };
      },
    });
    const client = new TinkerClient({
      baseUrl: fake.baseUrl,
      apiKey: 'tml-x',
      deadlineMs: 5000,
      initialRetryDelayMs: 5,
    });
    const answer = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema);
    expect(answer.sequences[0]?.tokens).toEqual([5, 6]);
    expect(posts).toBe(2);
    expect(polls).toBe(3);
  });

  it('a future that never completes fails at the deadline', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'stuck' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({
        body: { type: 'try_again', request_id: 'stuck', queue_state: 'active' },
      }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-x', deadlineMs: 400 });
    const started = Date.now();
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.code).toBe('TINKER_DEADLINE_EXCEEDED');
    expect(error.message).toContain('/api/v1/asample future: no answer within 0.4 s');
    expect(Date.now() - started).toBeLessThan(4000);
    expect(fake.seen.filter((request) => request.path === tinkerEndpoints.retrieveFuture).length).toBeGreaterThan(1);
  });

  it('a malformed result: the error names the field', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'r' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({
        body: { sequences: [{ tokens: 'oops', logprobs: [], stop_reason: 'stop' }] },
      }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-x', deadlineMs: 5000 });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.code).toBe('TINKER_BAD_RESPONSE');
    expect(error.message).toContain('sequences.0.tokens');
    expect(error.message).not.toContain('\n');
  });

  it('408 from retrieve_future is the SDK’s try-again: polled again, not an error', async () => {
    let polls = 0;
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'r' } }),
      [tinkerEndpoints.retrieveFuture]: () => {
        polls += 1;
        return polls < 3
          ? { status: 408, body: { type: 'try_again', request_id: 'r', queue_state: 'paused_capacity' } }
          : { body: { sequences: [{ tokens: [1], logprobs: [-1], stop_reason: 'length' }] } };
      },
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-x', deadlineMs: 5000 });
    const answer = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema);
    expect(answer.sequences[0]?.stop_reason).toBe('length');
    expect(polls).toBe(3);
  });

  it('a request the server failed: its error text, no retry', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'r' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({ body: { error: 'prompt too long', category: 'user' } }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-x', deadlineMs: 5000 });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.code).toBe('TINKER_REQUEST_FAILED');
    expect(error.message).toContain('prompt too long');
  });

  it('a failed future from ajet’s backend keeps its code and hint', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'r' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({
        body: {
          error: 'state name ../x leaves the root',
          category: 'user',
          code: 'STATE_NAME_INVALID',
          hint: 'Use a relative name.',
        },
      }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-x', deadlineMs: 5000 });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error).toMatchObject({ code: 'STATE_NAME_INVALID', hint: 'Use a relative name.', retryable: false });
    expect(error.message).toContain('state name ../x leaves the root');
  });

  it('an answer past maxResponseBytes (by Content-Length) is refused naming the endpoint', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'r', padding: 'x'.repeat(4096) } }),
    });
    const client = new TinkerClient({
      baseUrl: fake.baseUrl,
      apiKey: 'tml-x',
      deadlineMs: 5000,
      maxResponseBytes: 1024,
    });
    const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
    expect(error.code).toBe('TINKER_RESPONSE_TOO_LARGE');
    expect(error.message).toMatch(
      /^Tinker \/api\/v1\/asample: the answer is larger than the 1024 bytes this client reads/,
    );
    expect(error.message).not.toContain('\n');
  });

  it('an endless answer without Content-Length is cut off at maxResponseBytes, not read into memory', async () => {
    let written = 0;
    let closed = false;
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"request_id": "r", "padding": "');
      const chunk = 'x'.repeat(64 * 1024);
      // At most 64 MiB, and only while the client still reads: a hostile server that never ends its answer.
      const pump = () => {
        while (!closed && written < 1024 && response.write(chunk)) written += 1;
        if (!closed && written < 1024) response.once('drain', pump);
        else response.end();
      };
      response.on('close', () => {
        closed = true;
      });
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new TinkerClient({
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: 'tml-x',
        deadlineMs: 5000,
        maxResponseBytes: 1024 * 1024,
      });
      const error = await client.callFuture(tinkerEndpoints.asample, sampleBody, sampleResponseSchema).catch((e) => e);
      expect(error.code).toBe('TINKER_RESPONSE_TOO_LARGE');
      expect(error.message).toContain(
        '/api/v1/asample: the answer is larger than the 1048576 bytes this client reads (cut off after',
      );
      // The client stopped reading soon after the cap, long before the server's 64 MiB.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(closed).toBe(true);
      expect(written).toBeLessThan(512);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
