import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../sandbox-limits.ts';
import { replyCapBytes, SandboxWorker } from './sandbox-worker.ts';

/**
 * A stand-in worker (plain Python, no sandbox) that says ready, reads one request and then answers with `answer`,
 * a Python expression over `request` (the parsed request) giving the bytes to write.
 */
function fakeWorker(answer: string): string[] {
  const script = [
    'import json, sys, time',
    'out = sys.stdout.buffer',
    'out.write(b\'{"ready": true}\\n\'); out.flush()',
    'for line in sys.stdin:',
    '    request = json.loads(line)',
    `    out.write(${answer}); out.flush()`,
    'time.sleep(30)',
  ].join('\n');
  return ['/usr/bin/python3', '-I', '-c', script];
}

const limits = { ...DEFAULT_LIMITS, outputBytes: 4096 };

describe('SandboxWorker reply protocol', () => {
  it('answers a well-formed reply that echoes the request id', async () => {
    const worker = await SandboxWorker.start(
      fakeWorker(
        'json.dumps({"id": request["id"], "stdout": "ok", "stderr": "", "returncode": 0, "error_kind": None, "recycle": False}).encode() + b"\\n"',
      ),
      5000,
    );
    const outcome = await worker.run({ code: 'pass', limits, deadlineMs: 5000 });
    expect(outcome).toEqual({
      type: 'reply',
      result: { stdout: 'ok', stderr: '', returncode: 0, errorKind: null },
      recycle: false,
    });
    worker.kill();
  });

  it('kills a worker whose reply line runs past the cap instead of buffering it', async () => {
    // 64 MB with no newline: unbounded buffering here is what crashed the whole run with RangeError.
    const worker = await SandboxWorker.start(fakeWorker('b"x" * (64 << 20)'), 5000);
    const started = Date.now();
    const outcome = await worker.run({ code: 'pass', limits, deadlineMs: 20_000 });
    expect(outcome.type).toBe('violation');
    expect(outcome.type === 'violation' && outcome.reason).toContain(`${replyCapBytes(limits)} bytes`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(worker.alive).toBe(false);
  });

  it('treats a second line, or a reply with another id, as a protocol violation', async () => {
    const reply = (id: string) =>
      `json.dumps({"id": ${id}, "stdout": "ok", "stderr": "", "returncode": 0, "error_kind": None, "recycle": False}).encode() + b"\\n"`;
    const twice = await SandboxWorker.start(fakeWorker(`${reply('request["id"]')} * 2`), 5000);
    expect((await twice.run({ code: 'pass', limits, deadlineMs: 5000 })).type).toBe('violation');
    expect(twice.alive).toBe(false);
    const forged = await SandboxWorker.start(fakeWorker(reply('"forged"')), 5000);
    expect((await forged.run({ code: 'pass', limits, deadlineMs: 5000 })).type).toBe('violation');
    expect(forged.alive).toBe(false);
  });

  it('treats output while no call is running as a protocol violation', async () => {
    const script =
      'import sys, time\nsys.stdout.write(\'{"ready": true}\\n\'); sys.stdout.flush()\ntime.sleep(0.2)\nsys.stdout.write("unasked\\n"); sys.stdout.flush()\ntime.sleep(30)';
    const worker = await SandboxWorker.start(['/usr/bin/python3', '-I', '-c', script], 5000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(worker.alive).toBe(false);
  });
});
