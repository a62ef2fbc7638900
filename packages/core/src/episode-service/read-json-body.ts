import type { IncomingMessage } from 'node:http';

/** The largest request body the loopback model server and the episode service read (a long chat with tool results). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; status: 400 | 413; message: string };

/**
 * Reads a JSON request body, at most `maxBytes` of it: a larger one (by its content-length, or as it streams in) is
 * answered `413` without buffering the rest. An empty body reads as `{}`.
 */
export async function readJsonBody(request: IncomingMessage, options: { maxBytes?: number } = {}): Promise<JsonBody> {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const tooLarge = {
    ok: false,
    status: 413,
    message: `request body over ${maxBytes} bytes; send a shorter conversation or fewer tool results`,
  } as const;
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) return tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  // Returning from inside the loop stops reading (the stream is destroyed), so an over-cap body is never held whole.
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return tooLarge;
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, status: 400, message: `invalid JSON body: ${(error as Error).message}` };
  }
}
