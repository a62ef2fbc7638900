import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from './read-json-body.ts';

function request(chunks: Iterable<Buffer>, headers: Record<string, string> = {}): IncomingMessage {
  return Object.assign(Readable.from(chunks), { headers }) as unknown as IncomingMessage;
}

describe('readJsonBody', () => {
  it('stops reading a body that never ends once it passes the cap, and answers 413', async () => {
    let sent = 0;
    function* endless() {
      for (;;) {
        sent += 1;
        yield Buffer.alloc(1024, 0x20);
      }
    }
    const body = await readJsonBody(request(endless()), { maxBytes: 10 * 1024 });
    expect(body).toEqual({
      ok: false,
      status: 413,
      message: expect.stringMatching(/^request body over 10240 bytes; /),
    });
    expect(sent).toBeLessThan(20);
  });

  it('answers 413 from the content-length alone, before reading', async () => {
    const stream = request([Buffer.from('{}')], { 'content-length': '5000' });
    expect(await readJsonBody(stream, { maxBytes: 4096 })).toMatchObject({ ok: false, status: 413 });
    expect(stream.readableEnded).toBe(false);
  });

  it('parses a body at the cap, reads an empty one as {}, and answers bad JSON with 400', async () => {
    const atCap = JSON.stringify({ text: 'x'.repeat(100) });
    expect(await readJsonBody(request([Buffer.from(atCap)]), { maxBytes: atCap.length })).toEqual({
      ok: true,
      value: { text: 'x'.repeat(100) },
    });
    expect(await readJsonBody(request([]))).toEqual({ ok: true, value: {} });
    expect(await readJsonBody(request([Buffer.from('{nope')]))).toMatchObject({
      ok: false,
      status: 400,
      message: expect.stringContaining('invalid JSON body'),
    });
  });
});
