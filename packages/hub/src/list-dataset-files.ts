import { AjetError } from '@ajet/spec';
import { z } from 'zod';
import type { DatasetRef, HubClient } from './hub-client.ts';

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
    if (match?.[1] && /\brel\s*=\s*"?next"?/.test(match[2] ?? '')) return new URL(match[1], base).toString();
  }
  return undefined;
}

/** A path is kept only when it stays inside the destination folder. */
function safePath(path: string): boolean {
  return path.length > 0 && !path.startsWith('/') && !path.split('/').some((part) => part === '..' || part === '');
}

/** Every file of a dataset repository at a revision, through all pages of the tree listing. */
export async function listDatasetFiles(options: {
  client: HubClient;
  ref: DatasetRef;
  signal?: AbortSignal;
}): Promise<HubFile[]> {
  const { client, ref, signal } = options;
  const files: HubFile[] = [];
  let url: string | undefined = client.treeUrl(ref);
  for (let page = 0; url !== undefined; page++) {
    if (page >= 10_000) break;
    const response: Response = await client.get({ url, ref, headers: { accept: 'application/json' }, signal });
    const parsed = treePageSchema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      throw new AjetError(`The hub's file listing for ${ref.repo} is not the expected JSON list (page ${page + 1}).`, {
        code: 'HUB_BAD_RESPONSE',
        blame: 'system',
        hint: 'Check that HF_ENDPOINT points at a Hugging Face hub or a mirror of its API.',
      });
    }
    for (const entry of parsed.data) {
      if (entry.type !== 'file') continue;
      if (!safePath(entry.path)) {
        throw new AjetError(`The hub listed an unsafe path "${entry.path}" in ${ref.repo}.`, {
          code: 'HUB_BAD_RESPONSE',
          blame: 'system',
        });
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
