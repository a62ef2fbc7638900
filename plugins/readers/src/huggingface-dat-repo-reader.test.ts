import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginContext, Task } from '@ajet/spec';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { HuggingFaceDatRepoReader } from './huggingface-dat-repo-reader.ts';

const context: PluginContext = { configDir: '/', config: {}, load: async () => undefined as never };

async function collect(source: AsyncIterable<Task>): Promise<Task[]> {
  const tasks: Task[] = [];
  for await (const task of source) tasks.push(task);
  return tasks;
}

function shard(rows: { question: string; answer: string }[]): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'question', data: rows.map((row) => row.question), type: 'STRING' },
        { name: 'answer', data: rows.map((row) => row.answer), type: 'STRING' },
      ],
    }),
  );
}

describe('HuggingFaceDatRepoReader', () => {
  it('reads the hub layout <config>/<split>-*.parquet, shards in order, GSM8K answers parsed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ajet-hf-'));
    mkdirSync(join(root, 'main'));
    writeFileSync(
      join(root, 'main', 'train-00000-of-00002.parquet'),
      shard([{ question: 'q1', answer: 'a\n#### 1,000' }]),
    );
    writeFileSync(join(root, 'main', 'train-00001-of-00002.parquet'), shard([{ question: 'q2', answer: '#### 2' }]));
    writeFileSync(join(root, 'main', 'test-00000-of-00001.parquet'), shard([{ question: 'q3', answer: '#### 3' }]));
    const reader = new HuggingFaceDatRepoReader(
      HuggingFaceDatRepoReader.settings.parse({ dataset_path: root, config: 'main' }),
      context,
    );
    const train = await collect(reader.readTasks('train'));
    expect(train.map((task) => [task.mainQuery, task.metadata.answer])).toEqual([
      ['q1', '1,000'],
      ['q2', '2'],
    ]);
    expect((await collect(reader.readTasks('validation'))).map((task) => task.mainQuery)).toEqual(['q3']);
  });

  it('reads data/<split>-* and <split>.jsonl layouts', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ajet-hf-'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'train-00000-of-00001.parquet'), shard([{ question: 'q', answer: '1' }]));
    const reader = new HuggingFaceDatRepoReader(
      HuggingFaceDatRepoReader.settings.parse({ dataset_path: root }),
      context,
    );
    expect(await collect(reader.readTasks('train'))).toHaveLength(1);
    const flat = mkdtempSync(join(tmpdir(), 'ajet-hf-'));
    copyFileSync(
      fileURLToPath(new URL('../../../../shared/data/gsm8k/train.jsonl', import.meta.url)),
      join(flat, 'train.jsonl'),
    );
    const gsm8k = new HuggingFaceDatRepoReader(
      HuggingFaceDatRepoReader.settings.parse({ dataset_path: flat }),
      context,
    );
    expect(await collect(gsm8k.readTasks('train'))).toHaveLength(7473);
    expect(await collect(gsm8k.readTasks('validation'))).toHaveLength(0);
  });

  it('says what it looked for when a split is missing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ajet-hf-'));
    const reader = new HuggingFaceDatRepoReader(
      HuggingFaceDatRepoReader.settings.parse({ dataset_path: root, config: 'main' }),
      context,
    );
    await expect(collect(reader.readTasks('train'))).rejects.toThrow(
      /no files for split "train" .*Looked for main\/train-\*\.parquet/,
    );
  });
});
