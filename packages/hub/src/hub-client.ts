import { AjetError } from '@ajet/spec';
import { beforeStall, DEFAULT_STALL_TIMEOUT_MS, stallError, watchBody } from './stall-timeout.ts';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface HubClientOptions {
  /** The hub's base URL; `HF_ENDPOINT` or https://huggingface.co. */
  endpoint?: string;
  /** Sent as `Authorization: Bearer …`; `HF_TOKEN` by default. */
  token?: string;
  /** For tests: a fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** A request fails (`HUB_STALLED`) when the server sends nothing for this long; default 60 s. */
  stallTimeoutMs?: number;
}

/** A dataset repository at a revision: `openai/gsm8k` at `main`. */
export interface DatasetRef {
  repo: string;
  revision: string;
}

/** `owner/name` or `name`: letters, digits, `-`, `_`, `.`. */
const REPO_PATTERN = /^(?:[\w.-]+\/)?[\w.-]+$/;

export function checkRepoName(repo: string): void {
  if (!REPO_PATTERN.test(repo) || repo.includes('..')) {
    throw new AjetError(`"${repo}" is not a dataset name.`, {
      code: 'HUB_BAD_REPO_NAME',
      blame: 'user',
      hint: 'Name it as on its hub page, owner/name, e.g. --target=openai/gsm8k.',
    });
  }
}

/** Statuses after which `location` names where to ask again. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * The body's first `maxBytes` bytes as text, and whether there was more (the rest is not read: a server cannot
 * make a listing or an error message exhaust memory).
 */
export async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
    chunks.push(value);
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'), truncated: true };
    }
  }
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Plain HTTPS to the hub's documented endpoints: the tree listing and file downloads. */
export class HubClient {
  readonly endpoint: string;
  private readonly token: string | undefined;
  private readonly origin: string;
  private readonly fetchImpl: typeof fetch;
  private readonly stallTimeoutMs: number;

  constructor(options: HubClientOptions = {}) {
    this.endpoint = (options.endpoint || process.env.HF_ENDPOINT || DEFAULT_ENDPOINT).replace(/\/+$/, '');
    this.token = options.token ?? (process.env.HF_TOKEN || undefined);
    this.fetchImpl = options.fetch ?? fetch;
    this.origin = new URL(this.endpoint).origin;
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  /** The token goes only to the endpoint's own origin, never to a host a `Link` header or a redirect names. */
  private headersFor(url: string, extra: Record<string, string> | undefined): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    if (this.token && new URL(url).origin === this.origin) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  /** `GET /api/datasets/{repo}/tree/{revision}?recursive=true`: the first page of the listing. */
  treeUrl(ref: DatasetRef): string {
    return `${this.endpoint}/api/datasets/${encodePath(ref.repo)}/tree/${encodeURIComponent(ref.revision)}?recursive=true`;
  }

  /** `GET /datasets/{repo}/resolve/{revision}/{path}`: the file's bytes (the hub redirects to its CDN). */
  fileUrl(ref: DatasetRef, path: string): string {
    return `${this.endpoint}/datasets/${encodePath(ref.repo)}/resolve/${encodeURIComponent(ref.revision)}/${encodePath(path)}`;
  }

  async get(options: {
    url: string;
    ref: DatasetRef;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  }): Promise<Response> {
    let response: Response;
    let url = options.url;
    const stalled = () => stallError(options.url, this.stallTimeoutMs);
    for (let redirects = 0; ; redirects++) {
      const connection = new AbortController();
      try {
        response = await beforeStall(
          this.fetchImpl(url, {
            headers: this.headersFor(url, options.headers),
            signal: options.signal ? AbortSignal.any([options.signal, connection.signal]) : connection.signal,
            redirect: 'manual',
          }),
          this.stallTimeoutMs,
          stalled,
        );
      } catch (error) {
        connection.abort();
        if (options.signal?.aborted || (error instanceof AjetError && error.code === 'HUB_STALLED')) throw error;
        const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        const where = new URL(url).origin === this.origin ? this.endpoint : new URL(url).origin;
        throw new AjetError(`Cannot reach the hub at ${where}: ${reason}.`, {
          code: 'HUB_UNREACHABLE',
          blame: 'system',
          hint: 'Check the network, or set HF_ENDPOINT to a mirror you can reach.',
          cause: error,
        });
      }
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null) break;
      await response.body?.cancel();
      if (redirects >= MAX_REDIRECTS) {
        throw new AjetError(`The hub redirected ${options.url} more than ${MAX_REDIRECTS} times.`, {
          code: 'HUB_HTTP_ERROR',
          blame: 'system',
          hint: 'Check HF_ENDPOINT: a redirect loop is a server misconfiguration.',
        });
      }
      url = new URL(location, url).toString();
    }
    const watched = watchBody(response, this.stallTimeoutMs, stalled);
    if (!watched.ok) throw await this.httpError(watched, options.ref);
    return watched;
  }

  private async httpError(response: Response, ref: DatasetRef): Promise<AjetError> {
    const errorCode = response.headers.get('x-error-code') ?? '';
    const body = (await readCapped(response, 4096).catch(() => ({ text: '' }))).text
      .slice(0, 200)
      .replace(/\s+/g, ' ')
      .trim();
    const tokenHint = this.token
      ? 'HF_TOKEN is set, but that token cannot read it: check the token and accept the dataset’s terms on its page.'
      : 'If it is private or gated, set HF_TOKEN to a token that can read it.';
    const where = `${ref.repo} (revision ${ref.revision}) on ${this.endpoint}`;
    if (errorCode === 'RevisionNotFound') {
      return new AjetError(`Revision "${ref.revision}" of dataset ${ref.repo} not found on ${this.endpoint}.`, {
        code: 'HUB_REVISION_NOT_FOUND',
        blame: 'user',
        hint: 'Pass a branch, tag or commit that exists with --revision (default main).',
      });
    }
    if (response.status === 404 || errorCode === 'RepoNotFound') {
      return new AjetError(`Dataset ${ref.repo} not found on ${this.endpoint} (HTTP ${response.status}).`, {
        code: 'HUB_NOT_FOUND',
        blame: 'user',
        hint: `Check the name as shown on its page (owner/name, e.g. openai/gsm8k). ${tokenHint}`,
      });
    }
    if (response.status === 401 || response.status === 403) {
      return new AjetError(`The hub refused access to dataset ${where} (HTTP ${response.status}).`, {
        code: 'HUB_UNAUTHORIZED',
        blame: 'user',
        hint: this.token
          ? tokenHint
          : 'Set HF_TOKEN to a Hugging Face access token (and accept the dataset’s terms on its page if it is gated).',
      });
    }
    return new AjetError(`The hub answered HTTP ${response.status} for ${where}${body ? `: ${body}` : ''}.`, {
      code: 'HUB_HTTP_ERROR',
      blame: 'system',
      hint: response.status >= 500 ? 'The hub may be busy: run the command again (downloads resume).' : undefined,
    });
  }
}
