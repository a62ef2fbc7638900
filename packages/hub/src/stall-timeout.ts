import { AjetError } from '@ajet/spec';

/** How long a download waits for the server's next bytes before it gives up on the connection. */
export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

export function stallError(url: string, timeoutMs: number): AjetError {
  return new AjetError(`No data from ${url} for ${timeoutMs / 1000} s: the server stopped sending.`, {
    code: 'HUB_STALLED',
    blame: 'system',
    hint: 'Run the command again (it resumes where it stopped), or allow longer with --stall-timeout=SECONDS.',
  });
}

/** `work`, or `stalled()` as the rejection when it has not settled within `timeoutMs`. */
export async function beforeStall<T>(work: Promise<T>, timeoutMs: number, stalled: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(stalled()), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The response with a body that fails with `stalled()` (and lets go of the connection) when a read waits longer
 * than `timeoutMs` for the server: only time spent waiting on the network counts, not a slow consumer.
 */
export function watchBody(response: Response, timeoutMs: number, stalled: () => Error): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await beforeStall(reader.read(), timeoutMs, stalled);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        await reader.cancel().catch(() => undefined);
        throw error;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
