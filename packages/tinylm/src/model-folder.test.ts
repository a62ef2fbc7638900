import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parameterLayout } from './internal/transformer.ts';
import { checkSameShape, type ModelFile, readModelFolder, writeModelFolder } from './model-folder.ts';

const transformer = { vocabSize: 3, dModel: 2, nHeads: 1, nLayers: 1, dFeedForward: 2, maxSeqLen: 2 };
const size = parameterLayout(transformer).size;
const file: ModelFile = {
  name: 'tiny',
  policyVersion: 7,
  transformer,
  tokenizer: { pointers: 0, words: ['a'] },
};

const folder = () => join(mkdtempSync(join(tmpdir(), 'tinylm-folder-')), 'model');
const ramp = (offset: number) => Float32Array.from({ length: size }, (_, index) => offset + index / 8);

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a refusal');
}

describe('model folder', () => {
  it('writes model.json, params.bin and the optimizer as readModelFolder reads them back', async () => {
    const path = folder();
    const optimizer = { m: ramp(1), v: ramp(2), step: 12 };
    await writeModelFolder({ folder: path, file, params: ramp(0), optimizer });
    const read = await readModelFolder(path);
    expect(read.file).toEqual(file);
    expect(read.params).toEqual(ramp(0));
    expect(read.optimizer).toEqual(optimizer);
  });

  it('writes the exact bytes: one-space JSON with a newline, little-endian float32, m then v', async () => {
    const path = folder();
    const params = new Float32Array(size);
    params.set([1, -2.5]);
    const optimizer = { m: new Float32Array(size).fill(0.5), v: new Float32Array(size).fill(-0), step: 3 };
    await writeModelFolder({ folder: path, file, params, optimizer });
    expect(readFileSync(join(path, 'model.json'), 'utf8')).toBe(`${JSON.stringify(file, null, 1)}\n`);
    expect(readFileSync(join(path, 'model.json'), 'utf8')).toMatch(/^\{\n "name": "tiny",\n "policyVersion": 7,/);
    expect(readFileSync(join(path, 'params.bin')).subarray(0, 8).toString('hex')).toBe('0000803f000020c0');
    expect(readFileSync(join(path, 'params.bin')).byteLength).toBe(4 * size);
    const moments = readFileSync(join(path, 'optimizer.bin'));
    expect(moments.byteLength).toBe(8 * size);
    expect(moments.subarray(0, 4).toString('hex')).toBe('0000003f');
    expect(moments.subarray(4 * size, 4 * size + 4).toString('hex')).toBe('00000080');
    expect(readFileSync(join(path, 'optimizer.json'), 'utf8')).toBe('{"step":3}');
  });

  it("keeps the tokenizer's repeatedNumbers setting, and names the key when it is not one it knows", async () => {
    const path = folder();
    const defining: ModelFile = { ...file, tokenizer: { ...file.tokenizer, repeatedNumbers: 'define' } };
    await writeModelFolder({ folder: path, file: defining, params: ramp(0) });
    expect((await readModelFolder(path)).file.tokenizer.repeatedNumbers).toBe('define');
    writeFileSync(
      join(path, 'model.json'),
      JSON.stringify({ ...file, tokenizer: { ...file.tokenizer, repeatedNumbers: 'twice' } }),
    );
    const bad = await refusal(readModelFolder(path));
    expect(bad).toMatchObject({ code: 'TINYLM_BAD_MODEL' });
    expect(bad.message).toContain('is not a tinylm model file: tokenizer.repeatedNumbers:');
  });

  it('without an optimizer writes and reads none', async () => {
    const path = folder();
    await writeModelFolder({ folder: path, file, params: ramp(0) });
    expect(existsSync(join(path, 'optimizer.bin'))).toBe(false);
    expect((await readModelFolder(path)).optimizer).toBeUndefined();
  });

  it('names the folder when model.json is missing, and the file when it is not a model file', async () => {
    const path = folder();
    const missing = await refusal(readModelFolder(path));
    expect(missing).toMatchObject({ code: 'TINYLM_NO_MODEL' });
    expect(missing.message).toContain(`no tinylm model in ${path}`);
    await writeModelFolder({ folder: path, file, params: ramp(0) });
    writeFileSync(join(path, 'model.json'), JSON.stringify({ ...file, policyVersion: -1 }));
    const bad = await refusal(readModelFolder(path));
    expect(bad).toMatchObject({ code: 'TINYLM_BAD_MODEL' });
    expect(bad.message).toContain(`${join(path, 'model.json')} is not a tinylm model file`);
  });

  it('refuses weights of another size, naming the file and both counts', async () => {
    const path = folder();
    await writeModelFolder({ folder: path, file, params: ramp(0) });
    writeFileSync(join(path, 'params.bin'), Buffer.alloc(4 * (size - 1)));
    const short = await refusal(readModelFolder(path));
    expect(short).toMatchObject({ code: 'TINYLM_BAD_WEIGHTS' });
    expect(short.message).toContain(`${join(path, 'params.bin')} holds ${size - 1} floats, expected ${size}`);
    await writeModelFolder({ folder: path, file, params: ramp(0), optimizer: { m: ramp(1), v: ramp(2), step: 1 } });
    writeFileSync(join(path, 'optimizer.bin'), Buffer.alloc(4 * (2 * size + 1)));
    expect(await refusal(readModelFolder(path))).toMatchObject({
      code: 'TINYLM_BAD_WEIGHTS',
      message: expect.stringContaining(`optimizer.bin holds ${size + 1} floats, expected ${size}`),
    });
  });

  it('checkSameShape accepts the same shape and names the folder of another', () => {
    expect(() => checkSameShape({ file, config: { ...transformer }, folder: 'here' })).not.toThrow();
    expect(() => checkSameShape({ file, config: { ...transformer, dModel: 4 }, folder: 'there' })).toThrow(
      'the model in there has another shape than this one',
    );
  });
});
