import type { ChatMessage, Trajectory, WorkflowTask } from '@ajet/spec';
import { parseCall, parseExpression } from '@ajet/tools';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CalculatorStepsJudge, calculationSteps, matchedSteps } from './calculator-steps-judge.ts';

const taskOf = (metadata: Record<string, unknown>): WorkflowTask => ({
  task: { taskId: '1', mainQuery: 'q', metadata },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
});
const calling = (...bodies: string[]): Trajectory => ({
  messages: [
    { role: 'user', content: 'q' },
    ...bodies.map(
      (body, index): ChatMessage => ({
        role: 'assistant',
        content: '',
        toolCalls: [{ id: `c${index}`, name: 'calculator', arguments: JSON.stringify({ expression: body }) }],
      }),
    ),
  ],
  calls: [],
  sequences: [],
});
const judge = new CalculatorStepsJudge(CalculatorStepsJudge.settings.parse({}));
// Held-out row 167 of the calculator tutorial: four quotients multiplied, then 680 taken off.
const expression = '((987654/321)*(654321/987)*(123456/789)*(654987/321))-680';
const quotient = (a: number, b: number) => `{operation: divide, operands: [${a}, ${b}]}`;
const right = `operation: subtract
operands:
  - operation: multiply
    operands:
      - ${quotient(987654, 321)}
      - ${quotient(654321, 987)}
      - ${quotient(123456, 789)}
      - ${quotient(654987, 321)}
  - 680`;
// What a trained policy wrote: the third quotient's numerator multiplied in, the fourth quotient folded into it.
const misplaced = `operation: subtract
operands:
  - operation: multiply
    operands:
      - ${quotient(987654, 321)}
      - ${quotient(654321, 987)}
      - {operation: divide, operands: [{operation: multiply, operands: [123456, 789]}, 654987, 321]}
  - 680`;
const score = async (metadata: Record<string, unknown>, ...bodies: string[]) =>
  judge.computeReward(taskOf(metadata), { metadata: {} }, calling(...bodies));

describe('calculator_steps', () => {
  it('lists every prefix of every operation, operands first', () => {
    expect(calculationSteps(parseExpression('(1+2)*3-4'), 100)).toEqual([3, 9, 5]);
    expect(calculationSteps(parseCall('operation: subtract\noperands: [10, 1, 2]'), 100)).toEqual([9, 7]);
    expect(calculationSteps(parseExpression('1+2+3+4'), 2)).toEqual([3, 6]);
    expect(calculationSteps(parseCall('operation: divide\noperands: [1, 0]'), 100)).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('matches each reference step at most once, within the tolerance', () => {
    expect(matchedSteps([1, 1, 2], [1, 2, 2], 0)).toBe(2);
    expect(matchedSteps([1 / 3], [0.333333333333], 1e-9)).toBe(1);
    expect(matchedSteps([1 / 3], [0.3333], 1e-9)).toBe(0);
    expect(matchedSteps([Number.NaN, 5], [Number.NaN, Number.POSITIVE_INFINITY, 5], 1e-9)).toBe(1);
  });

  it('gives 1 to the reference structure, and a flat chain the same steps as a nested one', async () => {
    expect(await score({ expression }, right)).toMatchObject({ rawReward: 1, isSuccess: true });
    // a - b - c + d written as one subtraction with d negated: the same partial results.
    const flat = await score(
      { expression: '9999-8888-7777+6666' },
      'operation: subtract\noperands: [9999, 8888, 7777, -6666]',
    );
    expect(flat.rawReward).toBe(1);
    // Plain arithmetic in the call reads too.
    expect((await score({ expression: '(754*38-986)/14' }, '(754*38-986)/14')).rawReward).toBe(1);
  });

  it('scores a misplaced operand by the steps it kept: 2M / (|reference| + |called|)', async () => {
    // Reference: 4 quotients, 3 running products, the subtraction = 8 steps. The misplaced call keeps the first two
    // quotients and their product (3) of its 8 steps.
    const result = await score({ expression }, misplaced);
    expect(result.rawReward).toBeCloseTo((2 * 3) / (8 + 8));
    expect(result).toMatchObject({ isSuccess: false, details: { reason: 'steps_differ', matched: 3 } });
    // The structure right and the last number wrong loses only the last step.
    const lastWrong = right.replace('- 680', '- 681');
    expect((await score({ expression }, lastWrong)).rawReward).toBeCloseTo((2 * 7) / 16);
  });

  it('reads steps across calls, and counts a call it cannot read', async () => {
    const split = await score({ expression: '(754*38-986)/14' }, '754*38-986', '27666/14');
    expect(split.rawReward).toBe(1);
    const broken = await score({ expression: '(754*38-986)/14' }, 'operation: [', '(754*38-986)/14');
    expect(broken).toMatchObject({ rawReward: 1, details: { unreadableCalls: 1, toolCalls: 2 } });
  });

  it('gives 0 and says why without a call, a reference or any step in it', async () => {
    expect(await score({ expression })).toMatchObject({ rawReward: 0, details: { reason: 'no_tool_call' } });
    expect(await score({}, right)).toMatchObject({
      rawReward: 0,
      details: { reason: 'no_reference', field: 'expression' },
    });
    expect(await score({ expression: '2 apples' }, right)).toMatchObject({
      rawReward: 0,
      details: { reason: 'reference_not_arithmetic' },
    });
    expect(await score({ expression: '42' }, right)).toMatchObject({ details: { reason: 'no_steps_in_reference' } });
  });

  it('reads only the named tool, and stays bounded on a call of a thousand operands', async () => {
    const other: Trajectory = {
      ...calling(),
      messages: [{ role: 'assistant', content: '', toolCalls: [{ id: 'x', name: 'python', arguments: '1+2' }] }],
    };
    expect(await judge.computeReward(taskOf({ expression: '1+2' }), { metadata: {} }, other)).toMatchObject({
      rawReward: 0,
      details: { toolCalls: 0 },
    });
    const small = new CalculatorStepsJudge(CalculatorStepsJudge.settings.parse({ max_steps: 10 }));
    const long = `operation: add\noperands: [${Array.from({ length: 1000 }, () => 1).join(', ')}]`;
    const result = await small.computeReward(taskOf({ expression: '1+1' }), { metadata: {} }, calling(long));
    expect(result.details).toMatchObject({ calledSteps: 10, matched: 1 });
  });

  it('never throws on hostile calls and always scores in [0, 1]', async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        'operation: ',
        'operands:',
        '\n  - ',
        'divide',
        'add',
        '[',
        ']',
        '{',
        '}',
        '0',
        '-',
        '1e308',
        ':',
      ),
      fc.string({ maxLength: 6 }),
      fc.integer().map(String),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 200 }), fc.boolean(), async (pieces, asJson) => {
        const body = pieces.join('');
        const trajectory = calling(body);
        const [message] = trajectory.messages.slice(1);
        if (!asJson && message?.toolCalls?.[0]) message.toolCalls[0] = { ...message.toolCalls[0], arguments: body };
        const { rawReward } = await judge.computeReward(taskOf({ expression }), { metadata: {} }, trajectory);
        expect(rawReward).toBeGreaterThanOrEqual(0);
        expect(rawReward).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
