import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AjetError } from '@ajet/spec';
import type { DatasetRef, HubClient } from './hub-client.ts';
import type { HubFile } from './list-dataset-files.ts';
import { makeFoldersUnder, openPart, regularFileSize, targetUnder } from './safe-destination.ts';

export interface FileProgress {
  path: string;
  /** Bytes on disk so far, a resumed part included. */
  bytesDone: number;
  bytesTotal: number;
}

export interface FileResult {
  path: string;
  /** `present`: already downloaded and verified; nothing fetched. */
  status: 'downloaded' | 'present';
  /** Where the first request of this run started (bytes of an earlier `.part` reused). */
  resumedFrom: number;
  /** How the content was checked: against the hub's sha256, its git blob id, or only its size. */
  verified: 'sha256' | 'git-sha1' | 'size';
  attempts: number;
}

/** Passes bytes through until more arrive than `limit`; then fails, so a server cannot fill the disk. */
function capAt(limit: number, tooLarge: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? tooLarge() : null, seen > limit ? undefined : chunk);
    },
  });
}

/** The digest the hub gives for the file, computed over the bytes on disk. */
async function digestOf(path: string, file: HubFile): Promise<{ kind: FileResult['verified']; actual?: string }> {
  if (!file.sha256 && !file.gitSha1) return { kind: 'size' };
  const hash = createHash(file.sha256 ? 'sha256' : 'sha1');
  // A git blob id hashes a `blob <size>\0` header before the content.
  if (!file.sha256) hash.update(`blob ${file.size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { kind: file.sha256 ? 'sha256' : 'git-sha1', actual: hash.digest('hex') };
}

function expectedDigest(file: HubFile): string | undefined {
  return file.sha256 ?? file.gitSha1;
}

function retryable(error: unknown): boolean {
  if (!(error instanceof AjetError)) return true; // a dropped connection mid-body
  return (
    error.code === 'HUB_UNREACHABLE' ||
    error.code === 'HUB_STALLED' ||
    (error.code === 'HUB_HTTP_ERROR' && /HTTP 5\d\d/.test(error.message))
  );
}

/**
 * Downloads one file into `destination/<path>` through `<path>.part`: a part left by an interrupted run is
 * continued with an HTTP Range request, a dropped connection is retried from where it stopped, and the result
 * is checked against the hub's sha256 (LFS files) or git blob id before it takes the final name.
 */
export async function downloadFile(options: {
  client: HubClient;
  ref: DatasetRef;
  file: HubFile;
  destination: string;
  onProgress?: (progress: FileProgress) => void;
  signal?: AbortSignal;
  maxAttempts?: number;
  retryDelayMs?: number;
}): Promise<FileResult> {
  const { client, ref, file, onProgress, signal } = options;
  const target = targetUnder(options.destination, file.path);
  const part = `${target}.part`;
  const maxAttempts = options.maxAttempts ?? 4;
  const retryDelayMs = options.retryDelayMs ?? 1000;

  if ((await regularFileSize(target)) === file.size) {
    const digest = await digestOf(target, file);
    if (digest.actual === expectedDigest(file)) {
      onProgress?.({ path: file.path, bytesDone: file.size, bytesTotal: file.size });
      return { path: file.path, status: 'present', resumedFrom: file.size, verified: digest.kind, attempts: 0 };
    }
  }
  await makeFoldersUnder(options.destination, target);

  let resumedFrom: number | undefined;
  let attempts = 0;
  for (;;) {
    let offset = (await regularFileSize(part)) ?? 0;
    if (offset > file.size) {
      await rm(part, { force: true });
      offset = 0;
    }
    resumedFrom ??= offset;
    if (offset === file.size && file.size > 0) break;
    attempts += 1;
    try {
      const response = await client.get({
        url: client.fileUrl(ref, file.path),
        ref,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        signal,
      });
      // A server that ignores Range sends the whole file: start the part again.
      if (offset > 0 && response.status !== 206) offset = 0;
      const partFile = await openPart(part, offset > 0).catch(async (error: unknown) => {
        await response.body?.cancel();
        throw error;
      });
      let bytesDone = offset;
      onProgress?.({ path: file.path, bytesDone, bytesTotal: file.size });
      const tooLarge = () =>
        new AjetError(
          `${file.path} from ${ref.repo}: the server sent more than the ${file.size} bytes the hub lists.`,
          {
            code: 'HUB_SIZE_MISMATCH',
            blame: 'system',
            hint: 'The partial file was removed. If it persists, check HF_ENDPOINT and --revision.',
          },
        );
      const body = response.body
        ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
        : Readable.from([]);
      body.on('data', (chunk: Buffer) => {
        bytesDone += chunk.length;
        onProgress?.({ path: file.path, bytesDone, bytesTotal: file.size });
      });
      await pipeline(body, capAt(file.size - offset, tooLarge), partFile.createWriteStream(), { signal });
      break;
    } catch (error) {
      if (signal?.aborted) throw error;
      if (error instanceof AjetError && error.code === 'HUB_SIZE_MISMATCH') await rm(part, { force: true });
      if (attempts >= maxAttempts || !retryable(error)) {
        if (error instanceof AjetError) throw error;
        throw new AjetError(
          `Download of ${file.path} from ${ref.repo} broke off after ${attempts} attempts: ${(error as Error).message}.`,
          {
            code: 'HUB_DOWNLOAD_INTERRUPTED',
            blame: 'system',
            hint: `Run the command again: it resumes from ${part}.`,
            cause: error,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempts));
    }
  }

  const size = (await regularFileSize(part)) ?? 0;
  if (size !== file.size) {
    await rm(part, { force: true });
    throw new AjetError(`${file.path} from ${ref.repo} has ${size} bytes; the hub lists ${file.size}.`, {
      code: 'HUB_SIZE_MISMATCH',
      blame: 'system',
      hint: 'The partial file was removed: run the command again. If it persists, check HF_ENDPOINT and --revision.',
    });
  }
  const digest = await digestOf(part, file);
  if (digest.actual !== expectedDigest(file)) {
    await rm(part, { force: true });
    throw new AjetError(
      `${digest.kind} mismatch for ${file.path} from ${ref.repo}: expected ${expectedDigest(file)}, got ${digest.actual}.`,
      {
        code: 'HUB_CHECKSUM_MISMATCH',
        blame: 'system',
        hint: 'The corrupt file was removed: run the command again. If it persists, the server at HF_ENDPOINT serves other bytes than it lists.',
      },
    );
  }
  await rename(part, target);
  return { path: file.path, status: 'downloaded', resumedFrom: resumedFrom ?? 0, verified: digest.kind, attempts };
}
