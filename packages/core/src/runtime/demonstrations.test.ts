import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChatMessage, RenderChatRequest, RenderChatResponse } from '@ajet/spec';
import { decodeTokens, IM_END, RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { DemonstrationMix, readDemonstrations, renderDemonstration } from './demonstrations.ts';
import { Optimiser } from './optimise.ts';

const folder = mkdtempSync(join(tmpdir(), 'ajet-demonstrations-'));
const write = (name: string, lines: readonly unknown[]) => {
  const file = join(folder, name);
  writeFileSync(file, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);
  return file;
};
const conversation = (question: string, answer: string): ChatMessage[] => [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: question },
  { role: 'assistant', content: `<calculator>${question}</calculator>` },
  { role: 'user', content: `<output>${answer}</output>` },
  { role: 'assistant', content: `The answer is ${answer}.` },
];

describe('readDemonstrations', () => {
  it('reads one {"messages": [...]} a line, skipping blank lines', async () => {
    const file = write('good.jsonl', [
      { messages: conversation('1+1', '2') },
      '',
      { messages: conversation('2*3', '6') },
    ]);
    const read = await readDemonstrations(file);
    expect(read.map((messages) => messages[1]?.content)).toEqual(['1+1', '2*3']);
  });

  it('names the file and line of a bad line, with what is wrong', async () => {
    const noAssistant = write('no-assistant.jsonl', [
      { messages: conversation('1+1', '2') },
      { messages: [{ role: 'user', content: 'hi' }] },
    ]);
    await expect(readDemonstrations(noAssistant)).rejects.toThrow(
      `${noAssistant} row 2: messages: has no assistant message`,
    );
    const badRole = write('bad-role.jsonl', [{ messages: [{ role: 'bot', content: 'hi' }] }]);
    await expect(readDemonstrations(badRole)).rejects.toThrow(`${badRole} row 1: messages.0.role:`);
    const notJson = write('not-json.jsonl', [{ messages: conversation('1+1', '2') }, '{"messages": [']);
    await expect(readDemonstrations(notJson)).rejects.toThrow(`${notJson} row 2: not JSON`);
    await expect(readDemonstrations(write('empty.jsonl', ['']))).rejects.toThrow('has no demonstrations');
    await expect(readDemonstrations(join(folder, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read the demonstrations file \(ENOENT\).*algorithm\.ptx\.file_path/,
    );
  });
});

describe('renderDemonstration', () => {
  it("masks in exactly the assistant turns' tokens through their end token, as a rollout would have sampled them", async () => {
    const backbone = new RecordingBackbone();
    const rendered = await renderDemonstration(backbone, conversation('1+1', '2'));
    const { tokenIds, lossMask } = rendered ?? { tokenIds: [], lossMask: [] };
    const trained: string[] = [];
    let run: number[] = [];
    for (const [index, token] of [...tokenIds, -1].entries()) {
      if (lossMask[index] === 1) run.push(token);
      else if (run.length > 0) {
        trained.push(decodeTokens(run));
        run = [];
      }
    }
    expect(trained).toEqual(['<calculator>1+1</calculator><|im_end|>', 'The answer is 2.<|im_end|>']);
    // The sequence ends with the last turn's end token, as a sampled turn does (the newline the template writes after
    // it is the next rendering's); between the turns, the tool reply as a rollout renders it on the sequence so far.
    expect(tokenIds.at(-1)).toBe(IM_END);
    expect(decodeTokens(tokenIds)).toContain(
      '</calculator><|im_end|>\n<|im_start|>user\n<output>2</output><|im_end|>\n<|im_start|>assistant\nThe answer',
    );
  });

  it('refuses a template whose rendering of a beginning is not a prefix of the whole', async () => {
    // A template that writes the message count first: no beginning is a prefix of the whole.
    class CountingTemplate extends RecordingBackbone {
      override async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
        const { tokenIds } = await super.renderChat(request);
        return { tokenIds: [request.messages.length, ...tokenIds] };
      }
    }
    await expect(renderDemonstration(new CountingTemplate(), conversation('1+1', '2'))).rejects.toThrow(
      'does not render assistant message 2 as a continuation of its generation prompt',
    );
  });
});

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const demonstrationsFile = write(
  'mix.jsonl',
  Array.from({ length: 10 }, (_, index) => ({ messages: conversation(`${index}+${index}`, `${2 * index}`) })),
);
const configWith = (...sets: string[]) =>
  loadConfig({ file: BASE, sets: [`algorithm.ptx.file_path=${demonstrationsFile}`, ...sets] }).config;

describe('DemonstrationMix (algorithm.ptx)', () => {
  it('adds batch_size demonstrations a update with cross-entropy scaled by coef, before the optimiser step', async () => {
    const config = configWith('algorithm.ptx.coef=0.5', 'algorithm.ptx.batch_size=3', 'algorithm.ppo_epochs=2');
    const backbone = new RecordingBackbone();
    const demonstrations = new DemonstrationMix({ backbone, config });
    expect(await demonstrations.prepare()).toEqual({ demonstrations: 10, tooLong: 0 });
    expect(await demonstrations.prepare()).toEqual({ demonstrations: 10, tooLong: 0 }); // read again, not added twice
    const samples = [1, -1].map((advantage) => ({
      tokenIds: [1, 2, 3],
      lossMask: [0, 1, 1],
      samplerLogprobs: [0, -0.5, -0.5],
      advantage,
    }));
    const optimiser = new Optimiser({ backbone, config, demonstrations });
    const metrics = await optimiser.optimise(samples, [2], { learningRate: 0.1, step: 4 });
    // Each of the 2 updates: the policy loss, then the demonstrations, then the step.
    const calls = backbone.forwardBackwardCalls;
    expect(calls.map((call) => [call.loss.type, call.samples.length, call.lossScale ?? 1])).toEqual([
      ['ppo', 2, 1],
      ['cross_entropy', 3, 0.5],
      ['ppo', 2, 1],
      ['cross_entropy', 3, 0.5],
    ]);
    expect(backbone.optimStepCalls).toHaveLength(2);
    expect(calls[1]?.temperature).toBe(1);
    expect(metrics).toHaveProperty('train/ptx_loss');
    // The two updates draw different demonstrations; the same (seed, step, update) draws the same ones again.
    const questions = (index: number) => calls[index]?.samples.map((sample) => decodeTokens(sample.tokenIds));
    expect(questions(1)).not.toEqual(questions(3));
    const again = new RecordingBackbone();
    const mixAgain = new DemonstrationMix({ backbone: again, config });
    await mixAgain.prepare();
    await mixAgain.accumulate({ step: 4, update: 1 });
    expect(again.forwardBackwardCalls[0]?.samples.map((sample) => decodeTokens(sample.tokenIds))).toEqual(questions(3));
  });

  it("leaves out the demonstrations longer than the model's context, and fails when none fits", async () => {
    const long = conversation('1+2+3+4+5+6+7+8+9', '45');
    const file = write('lengths.jsonl', [{ messages: conversation('1+1', '2') }, { messages: long }]);
    const config = configWith(`algorithm.ptx.file_path=${file}`);
    const longLength = (await renderDemonstration(new RecordingBackbone(), long))?.tokenIds.length ?? 0;
    const fitsOne = new RecordingBackbone({ maxModelLen: longLength - 1 });
    expect(await new DemonstrationMix({ backbone: fitsOne, config }).prepare()).toEqual({
      demonstrations: 1,
      tooLong: 1,
    });
    const fitsNone = new RecordingBackbone({ maxModelLen: 20 });
    await expect(new DemonstrationMix({ backbone: fitsNone, config }).prepare()).rejects.toThrow(
      `${file}: none of its 2 demonstrations fits the model's 20 tokens`,
    );
  });

  it('trains nothing more when the file is unset', async () => {
    const config = loadConfig({ file: BASE }).config;
    expect(config.algorithm.ptx).toEqual({ filePath: null, coef: 1, batchSize: 8 });
    const backbone = new RecordingBackbone();
    const mix = new DemonstrationMix({ backbone, config });
    expect(await mix.prepare()).toEqual({ demonstrations: 0, tooLong: 0 });
    expect(await mix.accumulate({ step: 1, update: 0 })).toEqual({});
    expect(backbone.forwardBackwardCalls).toEqual([]);
  });
});
