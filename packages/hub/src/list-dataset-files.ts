import { AjetError } from '@ajet/spec';
import { z } from 'zod';
import { type DatasetRef, type HubClient, readCapped } from './hub-client.ts';
import { unsafePathReason } from './safe-destination.ts';

/** One entry of the hub's tree listing; lenient: the hub adds fields over time. */
const treeEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number().nonnegative().optional(),
  /** The git blob id (sha1) of the file, or of its LFS pointer. */
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number().nonnegative() }).optional(),
});

const treePageSchema = z.array(treeEntrySchema);

export interface HubFile {
  /** Path inside the repository, `/`-separated. */
  path: string;
  size: number;
  /** sha256 of the content, for LFS files (the hub stores large data files in LFS). */
  sha256?: string;
  /** git blob sha1 of the content, for files kept in git itself. */
  gitSha1?: string;
}

/** The `next` URL of an RFC 8288 `Link` header, as the hub paginates its listings. */
export function nextPageUrl(link: string | null, base: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (!match?.[1] || !/\brel\s*=\s*"?next"?/.test(match[2] ?? '')) continue;
    if (!URL.canParse(match[1], base))
      throw badResponse(`The hub's Link header names a next page that is no URL: ${match[1].slice(0, 200)}.`);
    return new URL(match[1], base).toString();
  }
  return undefined;
}

/** The hub's pages hold about a thousand entries; a page past this is not a listing. */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** Pages of one listing at most (about ten million files on the hub's pages). */
export const DEFAULT_MAX_PAGES = 10_000;

function badResponse(
  message: string,
  hint = 'Check that HF_ENDPOINT points at a Hugging Face hub or a mirror of its API.',
) {
  return new AjetError(message, { code: 'HUB_BAD_RESPONSE', blame: 'system', hint });
}

/** Every file of a dataset repository at a revision, through all pages of the tree listing. */
export async function listDatasetFiles(options: {
  client: HubClient;
  ref: DatasetRef;
  signal?: AbortSignal;
  /** Pages to read at most before failing; default 10,000. */
  maxPages?: number;
}): Promise<HubFile[]> {
  const { client, ref, signal } = options;
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const files: HubFile[] = [];
  const pagesRead = new Set<string>();
  let url: string | undefined = client.treeUrl(ref);
  while (url !== undefined) {
    if (pagesRead.has(url)) {
      throw badResponse(
        `The hub's file listing for ${ref.repo} links back to a page already read (${url}); the listing would never end.`,
      );
    }
    if (pagesRead.size >= maxPages) {
      throw new AjetError(`The hub's file listing for ${ref.repo} goes on past ${maxPages} pages; stopped there.`, {
        code: 'HUB_TOO_MANY_PAGES',
        blame: 'system',
        hint: 'Nothing was downloaded. Check HF_ENDPOINT: the hub lists even the largest datasets in fewer pages.',
      });
    }
    pagesRead.add(url);
    const page = pagesRead.size;
    const response: Response = await client.get({ url, ref, headers: { accept: 'application/json' }, signal });
    const body = await readCapped(response, MAX_PAGE_BYTES);
    if (body.truncated) throw badResponse(`Page ${page} of the hub's file listing for ${ref.repo} is over 32 MiB.`);
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch {
      json = undefined;
    }
    const parsed = treePageSchema.safeParse(json);
    if (!parsed.success) {
      throw badResponse(`The hub's file listing for ${ref.repo} is not the expected JSON list (page ${page}).`);
    }
    for (const entry of parsed.data) {
      if (entry.type !== 'file') continue;
      const reason = unsafePathReason(entry.path);
      if (reason !== undefined) {
        throw new AjetError(
          `The hub listed the path ${JSON.stringify(entry.path.slice(0, 200))} in ${ref.repo}, which is not a file inside the download folder (${reason}).`,
          {
            code: 'HUB_UNSAFE_PATH',
            blame: 'system',
            hint: 'Nothing was downloaded. Check HF_ENDPOINT: the hub never lists such paths.',
          },
        );
      }
      files.push({
        path: entry.path,
        size: entry.lfs?.size ?? entry.size ?? 0,
        sha256: entry.lfs?.oid,
        gitSha1: entry.lfs ? undefined : entry.oid,
      });
    }
    url = nextPageUrl(response.headers.get('link'), url);
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
