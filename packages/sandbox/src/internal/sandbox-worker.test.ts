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

/** Python for the bytes of a reply line with `id` (a Python expression), and of the done line after it. */
const reply = (id: string) =>
  `json.dumps({"id": ${id}, "stdout": "ok", "stderr": "", "returncode": 0, "error_kind": None}).encode() + b"\\n"`;
const done = (recycle: string) =>
  `json.dumps({"id": request["id"], "done": True, "recycle": ${recycle}}).encode() + b"\\n"`;

describe('SandboxWorker reply protocol', () => {
  it('answers a well-formed reply that echoes the request id, then takes the next call once done', async () => {
    const worker = await SandboxWorker.start(fakeWorker(`${reply('request["id"]')} + ${done('False')}`), 5000);
    for (let call = 0; call < 2; call += 1) {
      const outcome = await worker.run({ code: 'pass', limits, deadlineMs: 5000 });
      expect(outcome.type === 'reply' && outcome.result).toEqual({
        stdout: 'ok',
        stderr: '',
        returncode: 0,
        errorKind: null,
      });
      expect(outcome.type === 'reply' && (await outcome.reusable)).toBe(true);
    }
    worker.kill();
  });

  it('kills a worker that asks to be recycled after its reply', async () => {
    const worker = await SandboxWorker.start(fakeWorker(`${reply('request["id"]')} + ${done('True')}`), 5000);
    const outcome = await worker.run({ code: 'pass', limits, deadlineMs: 5000 });
    expect(outcome.type === 'reply' && (await outcome.reusable)).toBe(false);
    expect(worker.alive).toBe(false);
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

  it('treats a second reply, a third line, or a reply with another id as a protocol violation', async () => {
    const twice = await SandboxWorker.start(fakeWorker(`${reply('request["id"]')} * 2`), 5000);
    const outcome = await twice.run({ code: 'pass', limits, deadlineMs: 5000 });
    expect(outcome.type === 'reply' && (await outcome.reusable)).toBe(false);
    expect(twice.alive).toBe(false);
    const third = await SandboxWorker.start(
      fakeWorker(`${reply('request["id"]')} + ${done('False')} + ${done('False')}`),
      5000,
    );
    const thirdOutcome = await third.run({ code: 'pass', limits, deadlineMs: 5000 });
    expect(thirdOutcome.type === 'reply' && (await thirdOutcome.reusable)).toBe(false);
    expect(third.alive).toBe(false);
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
