import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, DatasetError, type PluginContext, type Task } from '@ajet/spec';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { DatasetFileReader } from './dataset-file-reader.ts';

const fixtures = fileURLToPath(new URL('./__fixtures__/', import.meta.url));
const shared = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

function reader(settings: Record<string, unknown>, configDir = fixtures): DatasetFileReader {
  const context: PluginContext = { configDir, config: {}, load: async () => undefined as never };
  return new DatasetFileReader(DatasetFileReader.settings.parse(settings), context);
}

async function collect(source: AsyncIterable<Task>): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const task of source) tasks.push(task);
  return tasks;
}

describe('DatasetFileReader', () => {
  it('reads all of GSM8K with no mapping, the reference after ####', async () => {
    const tasks = await collect(
      reader({ training: { file_path: join(shared, 'gsm8k/train.jsonl') } }).readTasks('train'),
    );
    expect(tasks).toHaveLength(7473);
    expect(tasks[0]?.mainQuery).toMatch(/^Natalia sold clips/);
    expect(tasks[0]?.metadata.answer).toBe('72');
    expect(String(tasks[0]?.metadata.solution)).toMatch(/#### 72$/);
    expect(tasks.filter((task) => String(task.metadata.answer).includes(','))).toHaveLength(79);
  });

  it('reads the calculator CSV (space after commas, quoted expressions)', async () => {
    const all = await collect(
      reader({ training: { file_path: join(shared, 'calculator/calculator_train.csv') } }).readTasks('train'),
    );
    expect(all).toHaveLength(1500);
    const quirks = await collect(reader({ training: { file_path: 'calculator-quirks.csv' } }).readTasks('train'));
    expect(quirks.map((task) => task.metadata.expression)).toEqual(['4829*736', '67392/85', '(3+4)*5']);
    expect(quirks[2]?.metadata.answer).toBe('35.0');
  });

  it('reads .json arrays, {data: [...]}, and parquet', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-reader-'));
    writeFileSync(join(folder, 'a.json'), JSON.stringify([{ problem: 'p1', solution: 's1' }]));
    writeFileSync(join(folder, 'b.json'), JSON.stringify({ data: [{ prompt: 'p2', reference: 'r2', id: 'x' }] }));
    const parquet = parquetWriteBuffer({
      columnData: [
        { name: 'question', data: ['What is 2+2?', 'What is 3+3?'], type: 'STRING' },
        { name: 'answer', data: ['4', '6'], type: 'STRING' },
      ],
    });
    writeFileSync(join(folder, 'c.parquet'), new Uint8Array(parquet));
    const a = await collect(reader({ training: { file_path: 'a.json' } }, folder).readTasks('train'));
    expect(a[0]).toMatchObject({ taskId: '0', mainQuery: 'p1', metadata: { answer: 's1' } });
    const b = await collect(reader({ training: { file_path: 'b.json' }, id_field: 'id' }, folder).readTasks('train'));
    expect(b[0]).toMatchObject({ taskId: 'x', mainQuery: 'p2', metadata: { answer: 'r2' } });
    const c = await collect(reader({ training: { file_path: 'c.parquet' } }, folder).readTasks('train'));
    expect(c.map((task) => [task.mainQuery, task.metadata.answer])).toEqual([
      ['What is 2+2?', '4'],
      ['What is 3+3?', '6'],
    ]);
  });

  it('skips and reports 5% broken rows, or fails on the first with on_bad_row: fail', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-bad-rows-'));
    const lines = Array.from({ length: 100 }, (_, index) => {
      if (index % 20 === 6) return JSON.stringify({ question: '', answer: '1' });
      if (index % 20 === 13) return JSON.stringify({ question: `q${index}` });
      return JSON.stringify({ question: `q${index}`, answer: String(index) });
    });
    writeFileSync(join(folder, 'train.jsonl'), `${lines.join('\n')}\n`);
    const lenient = reader({ training: { file_path: 'train.jsonl' } }, folder);
    expect(await collect(lenient.readTasks('train'))).toHaveLength(90);
    expect(lenient.badRowSummary()).toEqual([
      `skipped 10 of 100 rows in ${join(folder, 'train.jsonl')} (first: row 7: empty question)`,
    ]);
    const strict = reader({ training: { file_path: 'train.jsonl' }, on_bad_row: 'fail' }, folder);
    await expect(collect(strict.readTasks('train'))).rejects.toThrow(DatasetError);
    await expect(collect(strict.readTasks('train'))).rejects.toThrow(/train\.jsonl row 7: empty question/);
  });

  it('names the config key of a missing file, and the row of a line that is not JSON', async () => {
    const missing = reader({ training: { file_path: 'nope.jsonl' } });
    const error = await collect(missing.readTasks('train')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /ajet\.task_reader\.dataset_file\.training\.file_path: file not found: .*nope\.jsonl/,
    );
    const folder = mkdtempSync(join(tmpdir(), 'ajet-bad-json-'));
    writeFileSync(join(folder, 'x.jsonl'), '{"question": "a", "answer": "1"}\n{not json\n');
    await expect(collect(reader({ training: { file_path: 'x.jsonl' } }, folder).readTasks('train'))).rejects.toThrow(
      /x\.jsonl row 2: not JSON/,
    );
  });

  it('yields nothing for a split it was not given', async () => {
    expect(await collect(reader({}).readTasks('validation'))).toEqual([]);
  });
});
