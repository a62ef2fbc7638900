export type { DownloadObserver, DownloadSummary } from './download-dataset.ts';
export { downloadDataset } from './download-dataset.ts';
export type { FileProgress, FileResult } from './download-file.ts';
export { downloadFile } from './download-file.ts';
export { downloadPrinter, formatBytes } from './download-printer.ts';
export type { DatasetRef, HubClientOptions } from './hub-client.ts';
export { DEFAULT_ENDPOINT, HubClient } from './hub-client.ts';
export type { HubFile } from './list-dataset-files.ts';
export { listDatasetFiles, nextPageUrl } from './list-dataset-files.ts';
