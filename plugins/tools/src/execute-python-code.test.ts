import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ExecutePythonCode } from './execute-python-code.ts';

const hasBwrap = (() => {
  try {
    execFileSync('bwrap', ['--version']);
    return existsSync('/usr/bin/python3');
  } catch {
    return false;
  }
})();

describe.skipIf(!hasBwrap)('ExecutePythonCode', () => {
  const tool = new ExecutePythonCode({ workers: 1, timeout_ms: 30_000, cpu_seconds: 30 });
  afterAll(() => tool.close());

  it("kills an endless loop when the episode's signal aborts, long before its own timeout", async () => {
    const episode = new AbortController();
    const started = performance.now();
    setTimeout(() => episode.abort(new Error('episode timeout')), 300);
    const output = JSON.parse(
      await tool.execute({ code: 'while True:\n    pass' }, { episodeId: 'e', signal: episode.signal }),
    );
    expect(output.error_kind).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(JSON.parse(await tool.execute({ code: 'print(6 * 7)' }, { episodeId: 'e' })).stdout).toBe('42\n');
  }, 40_000);
});
