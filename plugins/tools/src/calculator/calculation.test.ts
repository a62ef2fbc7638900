import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Calculation,
  evaluateCalculation,
  LIMITS,
  parseExpression,
  runCalculator,
  toYaml,
} from './calculation.ts';
import { formatRational } from './rational.ts';

const CSV = fileURLToPath(new URL('../../../../../shared/data/calculator/calculator_train.csv', import.meta.url));

describe('calculator', () => {
  it('matches every row of the calculator CSV, through the YAML form and the expression form', () => {
    const rows = parse(readFileSync(CSV, 'utf8'), { columns: true, trim: true }) as {
      expression: string;
      answer: string;
    }[];
    expect(rows).toHaveLength(1500);
    let broken = 0;
    const floatArtifacts: string[] = [];
    /** What Python's float evaluation gives (same IEEE arithmetic as JavaScript's) for a vetted expression. */
    const floatValue = (expression: string): number => {
      if (!/^[\d+\-*/(). ]+$/.test(expression)) throw new Error(`unexpected characters in ${expression}`);
      return Function(`return (${expression});`)() as number;
    };
    for (const row of rows) {
      const expression = row.expression.replace(/^"|"$/g, '');
      const viaYaml = runCalculator(toYaml(parseExpression(expression)));
      const viaExpression = runCalculator(expression);
      expect(viaYaml).toBe(viaExpression);
      const expected = Number(row.answer);
      if (!Number.isFinite(expected)) {
        broken += 1; // upstream rows whose answer cell repeats the expression
        continue;
      }
      const value = Number(viaYaml);
      const agrees = Number.isInteger(expected)
        ? String(expected) === viaYaml
        : Math.abs(value - expected) / Math.max(1, Math.abs(expected)) < 1e-9;
      if (!agrees && floatValue(expression) === expected) {
        // The CSV's answer is a float rounding artifact (1.2e17 + 8.00000007 - 1.2e17 = 16): exact arithmetic is right.
        floatArtifacts.push(expression);
        continue;
      }
      if (Number.isInteger(expected) && Math.abs(expected) < 2 ** 53)
        expect(viaYaml, expression).toBe(String(expected));
      else expect(Math.abs(value - expected) / Math.max(1, Math.abs(expected)), expression).toBeLessThan(1e-9);
    }
    expect(broken).toBe(5);
    expect(floatArtifacts.length, floatArtifacts.join('\n')).toBeLessThanOrEqual(20);
    expect(runCalculator('94356*(587+196)')).toBe('73880748');
    expect(runCalculator('((987654/321)*(654/987)+(123/456)*(789/123)-(321/654)*(987/321))-24')).toMatch(
      /^2014\.95426499572/,
    );
  });

  it('reads YAML with a code fence, and plain expressions', () => {
    expect(runCalculator('```yaml\noperation: add\noperands:\n  - 1\n  - 2\n```')).toBe('3');
    expect(runCalculator('(79 * 3)')).toBe('237');
    expect(runCalculator('operation: divide\noperands: [1, 3]')).toBe(String(1 / 3));
    expect(runCalculator('operation: subtract\noperands: [10, 2.5, 0.5]')).toBe('7');
  });

  it('answers bad input with a readable error, never a throw', () => {
    expect(runCalculator('operation: divide\noperands: [1, 0]')).toBe('Error: division by zero');
    expect(runCalculator('operation: power\noperands: [2, 3]')).toMatch(/^Error: unknown operation "power"/);
    expect(runCalculator('operation: add\noperands: [1')).toMatch(/^Error: malformed YAML/);
    expect(runCalculator('operation: add\noperands: [1]')).toMatch(/at least two operands/);
    expect(runCalculator('')).toBe('Error: empty calculator call');
    expect(runCalculator('2 +')).toMatch(/^Error:/);
    expect(runCalculator('('.repeat(100) + '1' + ')'.repeat(100))).toMatch(/deeper than/);
    expect(runCalculator('1'.repeat(20_000))).toMatch(/longer than/);
    expect(runCalculator(Array.from({ length: 40 }, () => '99999999999999999999').join('*'))).toMatch(
      /more than 2000 digits|^\d+$/,
    );
    expect(runCalculator('a: &x [1]\nb: *x\noperation: add\noperands: [1, 2]')).toMatch(/^Error:/);
  });

  it('prints no Node warning for odd YAML a model writes (a collection as a mapping key)', async () => {
    const warnings: string[] = [];
    const listen = (warning: Error) => warnings.push(warning.message);
    process.on('warning', listen);
    try {
      expect(runCalculator('operation: add\noperands:\n  - [1, 2]: 3\n  - 2\n')).toMatch(/^Error: /);
      // Node emits warnings on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listen);
    }
    expect(warnings).toEqual([]);
  });

  it('YAML and expression forms agree on random expressions', () => {
    const expression = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.integer({ min: 0, max: 99999 }).map(String),
        fc.tuple(tie('node'), fc.constantFrom('+', '-', '*', '/'), tie('node')).map(([a, op, b]) => `(${a}${op}${b})`),
      ),
    })).node;
    fc.assert(
      fc.property(expression, (text) => {
        expect(runCalculator(toYaml(parseExpression(text)))).toBe(runCalculator(text));
      }),
      { numRuns: 300 },
    );
  });

  it('prints values past the double range in scientific form, never Infinity or 0', () => {
    expect(runCalculator('1e400/3')).toBe('3.3333333333333333e+399');
    expect(runCalculator('-1e400/3')).toBe('-3.3333333333333333e+399');
    expect(runCalculator('operation: divide\noperands: ["1e400", 3]')).toBe('3.3333333333333333e+399');
    expect(runCalculator('1e-400')).toBe('1e-400');
    expect(runCalculator('operation: divide\noperands: [1e400, 3]')).toBe('3.3333333333333333e+399');
    expect(runCalculator('operation: multiply\noperands: [1e-400, 1]')).toBe('1e-400');
    expect(runCalculator('operation: add\noperands: [12345678901234567890123, 1]')).toBe('12345678901234567890124');
    expect(runCalculator('operation: add\noperands: [0.1000000000000000000001, 0]')).toBe('0.1');
    expect(runCalculator(toYaml(parseExpression('1e-400*3')))).toBe('3e-400');
    expect(runCalculator(toYaml(parseExpression('12345678901234567890123+1')))).toBe('12345678901234567890124');
    expect(runCalculator('2e-400/3')).toBe('6.6666666666666667e-401');
    expect(runCalculator('1e-310/3')).toBe('3.3333333333333333e-311');
    expect(runCalculator('1/3e21')).toBe(String(1 / 3e21));
    expect(runCalculator('1e400')).toBe(`1${'0'.repeat(400)}`);
    expect(runCalculator('(1e400-1)/1e400')).toBe('1');
    expect(runCalculator('99999999999999999999/1e400')).toBe('1e-380');
  });

  it('keeps its historical output from 0.001 up (the shipped weights were pretrained on it)', () => {
    // 20 decimals truncated, then a double: -7/9 prints ...77, not the nearest double's ...78.
    expect(runCalculator('-7/9')).toBe('-0.7777777777777777');
    expect(runCalculator('2/3')).toBe('0.6666666666666666');
    expect(runCalculator('123456789/1000')).toBe('123456.78899999999');
  });

  it('formats like JavaScript below 0.001, rounding to the nearest double', () => {
    const values = ['1/3000', '-7/9000', '1e-300/7', '1/3e21', '9999999999999999999/10000000000000000000000'];
    for (const text of values) {
      const [top = '', bottom = ''] = text.split('/');
      const value = evaluateCalculation(parseExpression(`${top}/${bottom}`));
      expect(formatRational(value), text).toBe(String(Number(top) / Number(bottom)));
    }
  });

  it('refuses huge literals, exponents and operators it does not have, in words the model can read', () => {
    expect(runCalculator('1e401')).toMatch(/^Error: "1e401" is out of range: exponents go to ±400/);
    expect(runCalculator('1e99999999999')).toMatch(/^Error: .*exponents go to ±400/);
    expect(runCalculator('10^10^10')).toBe(
      'Error: unexpected "^" in 10^10^10 (the operators are + - * / and parentheses)',
    );
    expect(runCalculator('7'.repeat(2500))).toBe(`Error: a number has more than ${LIMITS.digits} digits`);
    expect(runCalculator(`operation: add\noperands: ["${'7'.repeat(2500)}", 1]`)).toBe(
      `Error: a number has more than ${LIMITS.digits} digits`,
    );
    expect(runCalculator('9'.repeat(1_000_000))).toMatch(/^Error: input longer than 10000 characters/);
  });

  it('stops YAML nested past the depth limit before parsing it', () => {
    const started = performance.now();
    expect(runCalculator(`operation: add\noperands: ${'['.repeat(4000)}${']'.repeat(4000)}`)).toMatch(
      /^Error: .*nests deeper than 32/,
    );
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('keeps a long chain on one big fraction fast: a big value plus a small one costs no big gcd', () => {
    let [previous, current] = [1n, 1n];
    while (current.toString().length < 1000) [previous, current] = [current, previous + current];
    const started = performance.now();
    const result = runCalculator(`${current}/${previous}${'+1'.repeat(990)}`);
    const elapsedMs = performance.now() - started;
    expect(result).toMatch(/^991\.61803398874/);
    expect(elapsedMs).toBeLessThan(500);
  });

  it('stops a calculation whose gcd work passes the budget, with an error the model can read', () => {
    let [previous, current] = [1n, 1n];
    while (current.toString().length < 600) [previous, current] = [current, previous + current];
    // Consecutive Fibonacci numbers are Euclid's worst case: every gcd among them takes ~2,900 steps.
    const ratio = (top: bigint, bottom: bigint): Calculation => ({
      operation: 'divide',
      operands: [String(top), String(bottom)],
    });
    const calculation: Calculation = {
      operation: 'add',
      operands: [ratio(current, previous), ratio(previous, current - previous)],
    };
    expect(() => evaluateCalculation(calculation, { maxGcdSteps: 1000 })).toThrow(
      /calculation needs more than 1000 gcd steps/,
    );
    expect(formatRational(evaluateCalculation(calculation))).toMatch(/^3\.23606797749979/);
  });

  it('never throws and answers within a bound for hostile input (property)', () => {
    const piece = fc.oneof(
      fc.constantFrom('+', '-', '*', '/', '(', ')', '^', 'e', 'E', '.', ' ', '\n', '[', ']', '{', '}', ':', ',', '-'),
      fc.constantFrom('operation: ', 'operands: ', 'add', 'divide', 'multiply', '```yaml\n', '&a ', '*a', '"'),
      fc.constantFrom('1e400', '1e-400', '9'.repeat(300), '0', '0.0', '1e-310', '7', '3'),
      fc.integer({ min: 0, max: 1e9 }).map(String),
      fc.string({ maxLength: 4 }),
    );
    const hostile = fc.array(piece, { maxLength: 300 }).map((pieces) => pieces.join(''));
    const nestedYaml = fc
      .array(fc.constantFrom('1e400', '3', '1e-400', '0', '-7', '2.5'), { minLength: 2, maxLength: 40 })
      .chain((operands) =>
        fc
          .constantFrom('add', 'subtract', 'multiply', 'divide')
          .map((operation) => `operation: ${operation}\noperands: [${operands.join(', ')}]`),
      );
    let [previous, current] = [1n, 1n];
    while (current.toString().length < 1500) [previous, current] = [current, previous + current];
    const heavy = fc.oneof(
      fc.nat({ max: 9_000 }).map((digits) => '9'.repeat(digits + 1)),
      fc.nat({ max: 4_900 }).map((depth) => `operation: add\noperands: ${'['.repeat(depth)}1${']'.repeat(depth)}`),
      fc.nat({ max: 2_000 }).map((terms) => `${current}/${previous}${'+1'.repeat(terms)}`.slice(0, 10_000)),
    );
    let slowestMs = 0;
    fc.assert(
      fc.property(fc.oneof(hostile, nestedYaml, heavy), (input) => {
        const started = performance.now();
        const output = runCalculator(input);
        const elapsedMs = performance.now() - started;
        slowestMs = Math.max(slowestMs, elapsedMs);
        expect(elapsedMs).toBeLessThan(1000);
        expect(typeof output).toBe('string');
        expect(output).not.toMatch(/^-?(Infinity|NaN)$/);
        expect(output.length).toBeLessThanOrEqual(LIMITS.digits + 200);
      }),
      { numRuns: 500, endOnFailure: true },
    );
    console.log(`calculator property: slowest call ${slowestMs.toFixed(0)} ms`);
  });
});
