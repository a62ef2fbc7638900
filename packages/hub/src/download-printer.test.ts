import { describe, expect, it } from 'vitest';
import { downloadPrinter, formatBytes } from './download-printer.ts';
import { nextPageUrl } from './list-dataset-files.ts';

function printed(tty: boolean): string {
  let text = '';
  const printer = downloadPrinter({ write: (chunk) => (text += chunk), tty });
  printer.onListed?.({
    ref: { repo: 'openai/gsm8k', revision: 'main' },
    endpoint: 'https://huggingface.co',
    files: [{ path: 'main/train.parquet', size: 4096 }],
  });
  for (const bytesDone of [0, 2048, 4096]) {
    printer.onProgress?.({ path: 'main/train.parquet', bytesDone, bytesTotal: 4096, index: 0, count: 1 });
  }
  printer.onFileDone?.({
    path: 'main/train.parquet',
    status: 'downloaded',
    resumedFrom: 0,
    verified: 'sha256',
    attempts: 1,
    size: 4096,
    index: 0,
    count: 1,
  });
  return text;
}

describe('downloadPrinter', () => {
  it('draws a bar in place on a terminal and plain lines elsewhere', () => {
    const tty = printed(true);
    expect(tty).toContain('\r\u001b[2K[1/1] main/train.parquet ░░░░░░░░░░░░░░░░░░░░░░░░ 0 B/4.0 KB');
    // Redrawn at most every 100 ms, and always at the end of a file.
    expect(tty).not.toContain('2.0 KB/4.0 KB');
    expect(tty).toContain('████████████████████████ 4.0 KB/4.0 KB');
    expect(tty.endsWith('\r\u001b[2K[1/1] main/train.parquet 4.0 KB downloaded, sha256 ok\n')).toBe(true);
    expect(printed(false)).toBe(
      'ajet download: openai/gsm8k@main from https://huggingface.co: 1 files, 4.0 KB\n[1/1] main/train.parquet 4.0 KB downloaded, sha256 ok\n',
    );
  });

  it('formats sizes', () => {
    expect([0, 1023, 1536, 5 * 1024 * 1024, 300 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.5 KB',
      '5.0 MB',
      '300 GB',
    ]);
  });
});

describe('nextPageUrl', () => {
  it('reads rel="next" from a Link header, relative or absolute', () => {
    const base = 'https://huggingface.co/api/datasets/a/b/tree/main?recursive=true';
    expect(nextPageUrl('<https://huggingface.co/api/x?cursor=abc>; rel="next"', base)).toBe(
      'https://huggingface.co/api/x?cursor=abc',
    );
    expect(nextPageUrl('</api/x?cursor=2>; rel="prev", </api/x?cursor=4>; rel="next"', base)).toBe(
      'https://huggingface.co/api/x?cursor=4',
    );
    expect(nextPageUrl('</api/x?cursor=2>; rel="prev"', base)).toBeUndefined();
    expect(nextPageUrl(null, base)).toBeUndefined();
  });

  it('answers a next link that is not a URL with a hub error, not a TypeError', () => {
    const base = 'https://huggingface.co/api/datasets/a/b/tree/main?recursive=true';
    expect(() => nextPageUrl('<http://[oops>; rel="next"', base)).toThrow(
      expect.objectContaining({ code: 'HUB_BAD_RESPONSE' }),
    );
  });
});
