import { AjetError } from '@ajet/spec';
import { downloadFile, type FileProgress, type FileResult } from './download-file.ts';
import { checkRepoName, type DatasetRef, HubClient, type HubClientOptions } from './hub-client.ts';
import { type HubFile, listDatasetFiles } from './list-dataset-files.ts';

export interface DownloadObserver {
  onListed?(event: { ref: DatasetRef; endpoint: string; files: readonly HubFile[] }): void;
  onProgress?(progress: FileProgress & { index: number; count: number }): void;
  onFileDone?(result: FileResult & { index: number; count: number; size: number }): void;
}

export interface DownloadSummary {
  ref: DatasetRef;
  destination: string;
  files: FileResult[];
  bytes: number;
}

/**
 * Downloads every file of a hub dataset at a revision into `destination`, keeping the repository's paths
 * (`main/train-00000-of-00001.parquet`): the layout the `huggingface_dat_repo` reader reads.
 */
export async function downloadDataset(
  options: HubClientOptions & {
    repo: string;
    revision?: string;
    destination: string;
    observer?: DownloadObserver;
    signal?: AbortSignal;
    retryDelayMs?: number;
  },
): Promise<DownloadSummary> {
  checkRepoName(options.repo);
  const ref: DatasetRef = { repo: options.repo, revision: options.revision ?? 'main' };
  const client = new HubClient(options);
  const files = await listDatasetFiles({ client, ref, signal: options.signal });
  if (files.length === 0) {
    throw new AjetError(`Dataset ${ref.repo} (revision ${ref.revision}) has no files on ${client.endpoint}.`, {
      code: 'HUB_EMPTY_REPO',
      blame: 'user',
      hint: 'Check the name and --revision.',
    });
  }
  options.observer?.onListed?.({ ref, endpoint: client.endpoint, files });
  const results: FileResult[] = [];
  for (const [index, file] of files.entries()) {
    const result = await downloadFile({
      client,
      ref,
      file,
      destination: options.destination,
      signal: options.signal,
      retryDelayMs: options.retryDelayMs,
      onProgress: (progress) => options.observer?.onProgress?.({ ...progress, index, count: files.length }),
    });
    results.push(result);
    options.observer?.onFileDone?.({ ...result, index, count: files.length, size: file.size });
  }
  return {
    ref,
    destination: options.destination,
    files: results,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
  };
}
