import { createRandom } from '@ajet/core';
import { parseCall, parseExpression, runCalculator, toYaml } from '@ajet/tools';
import { describe, expect, it } from 'vitest';
import {
  distinctRows,
  expressionKind,
  goldCall,
  greedyReach,
  numberVariants,
  readCalculatorCsv,
  readCalculatorJsonl,
} from '../scripts/internal/calculator-demonstrations.ts';
import { generateTasks } from '../tutorial/example_calculator_agent/make-data.ts';

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

describe('goldCall (the YAML a demonstration writes)', () => {
  const signed = { signedSums: true };

  it('writes a chain that mixes plus and minus as one add over signed operands when asked to', () => {
    expect(parseCall(goldCall('999+12735-46490-55844-72', signed))).toEqual({
      operation: 'add',
      operands: [999, 12735, -46490, -55844, -72],
    });
    expect(parseCall(goldCall('5 - 1.5 + 3', signed))).toEqual({ operation: 'add', operands: [5, -1.5, 3] });
    expect(goldCall('999+12735-46490')).toBe(toYaml(parseExpression('999+12735-46490')));
  });

  it('writes single-operation chains and anything with products or parentheses as parseExpression nests it', () => {
    for (const expression of ['23794-471-236', '1+2+3', '(41+342)*(574-51)', '817*411-59*485', '5-(1+2)+3'])
      expect(goldCall(expression, signed), expression).toBe(toYaml(parseExpression(expression)));
  });

  it('computes what the expression computes, for every row of the upstream CSV', () => {
    const rows = readCalculatorCsv(
      new URL('../../shared/data/calculator/calculator_train.csv', import.meta.url).pathname,
    );
    const flattened = rows.filter(
      (row) => goldCall(row.expression, signed) !== toYaml(parseExpression(row.expression)),
    );
    for (const row of rows) expect(runCalculator(goldCall(row.expression, signed)), row.expression).toBe(row.answer);
    expect(flattened.length).toBeGreaterThan(50);
  });
});

describe("the tutorial's task generator (tutorial/example_calculator_agent/make-data.ts)", () => {
  const numbersIn = (expression: string) => (expression.match(/\d+/g) ?? []).length;

  it('writes the shipped training split row for row', () => {
    const shipped = readCalculatorJsonl(
      new URL('../tutorial/example_calculator_agent/data/train.jsonl', import.meta.url).pathname,
    );
    expect(generateTasks({ seed: 3, count: 2000 }).map((row) => row.question)).toEqual(
      shipped.map((row) => row.question),
    );
  });

  it('caps chains and summed lists at mostChain and mostList numbers', () => {
    const capped = generateTasks({ seed: 5, count: 400, mostChain: 4, mostList: 5 });
    const chains = capped.filter((row) => expressionKind(row.expression) === 'mixed +/-');
    const sums = capped.filter((row) => /^[\d+]+$/.test(row.expression));
    expect(chains.length).toBeGreaterThan(20);
    expect(Math.max(...chains.map((row) => numbersIn(row.expression)))).toBe(4);
    expect(Math.max(...sums.map((row) => numbersIn(row.expression)))).toBe(5);
    const full = generateTasks({ seed: 5, count: 400 });
    expect(Math.max(...full.map((row) => numbersIn(row.expression)))).toBe(8);
  });
});

describe('greedyReach (what GRPO could learn from on a split, and what it changed)', () => {
  const greedyBefore = [true, false, false, true, false];
  const successes = [5, 0, 2, 1, 0];

  it('counts the greedy misses and those some sampled episode answered right', () => {
    expect(greedyReach({ greedyBefore, successes })).toEqual({ misses: 3, reachableMisses: 1, gained: [], lost: [] });
  });

  it("lists the rows GRPO turned right and wrong by their warm start's sampled successes", () => {
    const greedyAfter = [false, true, true, true, false];
    expect(greedyReach({ greedyBefore, successes, greedyAfter })).toEqual({
      misses: 3,
      reachableMisses: 1,
      gained: [0, 2],
      lost: [5],
    });
  });
});
