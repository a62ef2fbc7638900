import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { crc32c } from './tensorboard/crc32c.ts';
import { readEventFile, readScalars } from './tensorboard/event-file-reader.ts';
import { scalarTags, TensorboardSink } from './tensorboard-sink.ts';

const BACKEND_PYTHON = fileURLToPath(new URL('../../../backend/.venv/bin/python', import.meta.url));

function records(): MetricsRecord[] {
  const rows: MetricsRecord[] = [];
  for (let step = 1; step <= 5; step++) {
    rows.push({
      step,
      phase: 'train',
      time: 1_700_000_000_000 + step * 1500,
      metrics: {
        'reward/mean': step / 7,
        'reward/std': 0.1 * step,
        success_rate: step % 2,
        'tokens/sampled': 123_456 * step,
        'train/loss': -1e-7 * step,
      },
    });
  }
  // A validation as core writes it: greedy and sampled pass@1, the main split and the extra set `heldout`.
  rows.push({
    step: 5,
    phase: 'val',
    time: 1_700_000_010_000,
    metrics: {
      'val/greedy/pass@1': 0.36,
      'val/sampled/pass@1': 0.25,
      'val/n': 50,
      'val/heldout/greedy/pass@1': 0.5,
      'val/heldout/sampled/pass@1': 0.125,
      'val/heldout/n': 20,
    },
  });
  return rows;
}

async function written(folder: string): Promise<string> {
  const sink = new TensorboardSink({ folder, hostname: 'testhost' });
  for (const record of records()) await sink.write(record);
  await sink.close();
  const path = sink.path;
  if (!path) throw new Error('no events file');
  return path;
}

describe('TensorboardSink', () => {
  it('gives each validation set its own greedy and sampled tags', () => {
    const validation = records().at(-1);
    if (!validation) throw new Error('no validation record');
    expect(scalarTags(validation).map((scalar) => scalar.tag)).toEqual([
      'val/greedy/pass@1',
      'val/sampled/pass@1',
      'val/n',
      'val/heldout/greedy/pass@1',
      'val/heldout/sampled/pass@1',
      'val/heldout/n',
    ]);
  });

  it('computes CRC-32C as the standard check value says', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('names the file the TensorBoard way and starts it with the file version', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    const path = await written(folder);
    expect(path).toMatch(/tensorboard\/events\.out\.tfevents\.\d{10}\.testhost$/);
    const events = await readEventFile(path);
    expect(events[0]?.fileVersion).toBe('brain.Event:2');
    expect(events).toHaveLength(1 + records().length);
  });

  it('reads back every scalar as the float32 it was written as, with its step, tag and wall time', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    await written(folder);
    const expected = records().flatMap((record) =>
      Object.entries(record.metrics).map(([tag, value]) => ({
        tag,
        step: record.step,
        value: Math.fround(value),
        wallTime: record.time / 1000,
      })),
    );
    expect(await readScalars(folder)).toEqual(expected);
  });

  it('keeps what was written before a crash: every write reaches the file at once', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    const sink = new TensorboardSink({ folder, hostname: 'h' });
    const [first, second] = records();
    if (!first || !second) throw new Error('fixture');
    await sink.write(first);
    await sink.write(second);
    // Not closed: another reader sees both steps already.
    expect(new Set((await readScalars(folder)).map((point) => point.step))).toEqual(new Set([1, 2]));
    await sink.close();
  });

  it('gives a second run in the same folder its own file, and the reader sees both', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    await written(folder);
    await written(folder);
    expect(readdirSync(folder).filter((name) => name.includes('tfevents'))).toHaveLength(2);
    expect(await readScalars(folder)).toHaveLength(
      2 * records().reduce((n, r) => n + Object.keys(r.metrics).length, 0),
    );
  });

  it('rejects a file with a flipped byte in the data or in the length', async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    const path = await written(folder);
    const bytes = readFileSync(path);
    const dataFlip = Buffer.from(bytes);
    dataFlip[bytes.length - 10] = (dataFlip[bytes.length - 10] ?? 0) ^ 0x01;
    writeFileSync(path, dataFlip);
    await expect(readEventFile(path)).rejects.toThrow(/bad data checksum/);
    const lengthFlip = Buffer.from(bytes);
    lengthFlip[0] = (lengthFlip[0] ?? 0) ^ 0x01;
    writeFileSync(path, lengthFlip);
    await expect(readEventFile(path)).rejects.toThrow(/bad length checksum/);
    writeFileSync(path, bytes.subarray(0, bytes.length - 3));
    await expect(readEventFile(path)).rejects.toThrow(/cut off/);
  });

  // A second, independent reader: TensorBoard's own, from the backend's virtual environment
  // (bash backend/scripts/setup_venv.sh installs it).
  const tensorboardInstalled =
    existsSync(BACKEND_PYTHON) && spawnSync(BACKEND_PYTHON, ['-c', 'import tensorboard']).status === 0;
  it.skipIf(!tensorboardInstalled)("is read back intact by TensorBoard's own event file loader", async () => {
    const folder = join(mkdtempSync(join(tmpdir(), 'ajet-tb-')), 'tensorboard');
    const path = await written(folder);
    const script = [
      'import json, sys',
      'from tensorboard.backend.event_processing.event_file_loader import RawEventFileLoader',
      'from tensorboard.compat.proto import event_pb2',
      'out = []',
      'for raw in RawEventFileLoader(sys.argv[1], detect_file_replacement=False).Load():',
      '    event = event_pb2.Event.FromString(raw)',
      '    if event.HasField("file_version"): out.append({"file_version": event.file_version})',
      '    for value in event.summary.value:',
      '        out.append({"tag": value.tag, "step": event.step, "value": value.simple_value, "wall_time": event.wall_time})',
      'print(json.dumps(out))',
    ].join('\n');
    const result = spawnSync(BACKEND_PYTHON, ['-c', script, path], { encoding: 'utf8' });
    expect(result.stderr).not.toMatch(/Traceback/);
    const points = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(points[0]).toEqual({ file_version: 'brain.Event:2' });
    const expected = records().flatMap((record) =>
      Object.entries(record.metrics).map(([tag, value]) => ({
        tag,
        step: record.step,
        value: Math.fround(value),
        wall_time: record.time / 1000,
      })),
    );
    expect(points.slice(1)).toEqual(expected);
  });
});
