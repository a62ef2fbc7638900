import { createRandom } from '@ajet/core';
import { runCalculator } from '@ajet/tools';
import { describe, expect, it } from 'vitest';
import { distinctRows, expressionKind, numberVariants } from '../scripts/internal/calculator-demonstrations.ts';

describe('numberVariants (pretraining augmentation)', () => {
  const row = {
    question: 'What is 8765 added to the result of 4332 multiplied by 26, divided by 13?',
    expression: '8765+(4332*26)/13',
    answer: '17429',
  };

  it('keeps the wording and structure, swaps every number consistently and recomputes the answer', () => {
    const variants = numberVariants(row, 5, createRandom(1));
    expect(variants).toHaveLength(5);
    for (const variant of variants) {
      const numbers = variant.question.match(/\d+/g) ?? [];
      expect(numbers.map((value) => value.length)).toEqual([4, 4, 2, 2]);
      expect(numbers.every((value, index) => value !== ['8765', '4332', '26', '13'][index])).toBe(true);
      expect(variant.question.replace(/\d+/g, '#')).toBe(
        'What is # added to the result of # multiplied by #, divided by #?',
      );
      expect(variant.expression).toBe(`${numbers[0]}+(${numbers[1]}*${numbers[2]})/${numbers[3]}`);
      expect(variant.answer).toBe(runCalculator(variant.expression));
    }
  });

  it('maps a repeated number to the same new number, and skips rows whose numbers do not match', () => {
    const repeated = { question: 'What is 12 times 12 plus 7?', expression: '12*12+7', answer: '151' };
    for (const variant of numberVariants(repeated, 3, createRandom(2))) {
      const [a, b] = variant.question.match(/\d+/g) ?? [];
      expect(a).toBe(b);
    }
    expect(
      numberVariants({ question: 'What is 5 minus 680?', expression: '(5)-680-1', answer: '-676' }, 3, createRandom(3)),
    ).toEqual([]);
  });
});

describe('distinctRows', () => {
  it('keeps the first row of each expression, in order', () => {
    const row = (question: string, expression: string) => ({ question, expression, answer: '' });
    const rows = [row('a', '1+2'), row('b', '3*4'), row('c', '1+2'), row('d', '5-1')];
    expect(distinctRows(rows).map((kept) => kept.question)).toEqual(['a', 'b', 'd']);
  });
});

describe('expressionKind', () => {
  it('tells groups, mixed sums and differences, and single-operation chains apart', () => {
    expect(['(41+342)*(574+51)', '817*411+59*485', '75*575*(479+76)', '5-3*2'].map(expressionKind)).toEqual([
      'groups',
      'groups',
      'groups',
      'groups',
    ]);
    expect(['999+12735-46490', '5-3+1'].map(expressionKind)).toEqual(['mixed +/-', 'mixed +/-']);
    expect(['1+2+3+4', '9-3-1', '2*3*4', '-5+3'].map(expressionKind)).toEqual(['chain', 'chain', 'chain', 'chain']);
  });
});
