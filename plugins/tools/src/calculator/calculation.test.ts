import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseExpression, runCalculator, toYaml } from './calculation.ts';

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
});
