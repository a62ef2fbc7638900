import type { DownloadObserver } from './download-dataset.ts';

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * What `ajet download` prints: on a terminal a progress bar redrawn in place (at most every 100 ms); elsewhere
 * one plain line per file, so logs stay readable.
 */
export function downloadPrinter(options: { write: (text: string) => void; tty: boolean }): DownloadObserver {
  const { write, tty } = options;
  let lastDraw = 0;
  let started = 0;
  let startBytes = 0;
  let currentIndex = -1;
  const label = (index: number, count: number) => `[${String(index + 1).padStart(String(count).length)}/${count}]`;
  return {
    onListed: ({ ref, endpoint, files }) => {
      const total = files.reduce((sum, file) => sum + file.size, 0);
      write(
        `ajet download: ${ref.repo}@${ref.revision} from ${endpoint}: ${files.length} files, ${formatBytes(total)}\n`,
      );
    },
    onProgress: ({ path, bytesDone, bytesTotal, index, count }) => {
      if (!tty) return;
      const now = performance.now();
      if (index !== currentIndex) {
        currentIndex = index;
        started = now;
        startBytes = bytesDone;
      }
      if (now - lastDraw < 100 && bytesDone < bytesTotal) return;
      lastDraw = now;
      const width = 24;
      const fraction = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : 1;
      const filled = Math.round(fraction * width);
      const seconds = (now - started) / 1000;
      const rate = seconds > 0.2 ? ` ${formatBytes((bytesDone - startBytes) / seconds)}/s` : '';
      write(
        `\r\u001b[2K${label(index, count)} ${path} ${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}${rate}`,
      );
    },
    onFileDone: ({ path, status, resumedFrom, verified, size, index, count }) => {
      lastDraw = 0;
      const check = verified === 'size' ? 'size ok (the hub gives no checksum)' : `${verified} ok`;
      const how =
        status === 'present'
          ? 'already there'
          : resumedFrom > 0
            ? `resumed at ${formatBytes(resumedFrom)}`
            : 'downloaded';
      write(`${tty ? '\r\u001b[2K' : ''}${label(index, count)} ${path} ${formatBytes(size)} ${how}, ${check}\n`);
    },
  };
}
