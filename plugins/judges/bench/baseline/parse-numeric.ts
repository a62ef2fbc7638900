import { latexToPlain } from './internal/latex-to-plain.ts';

/** A number read from an answer. `numerator/denominator` are set when the text wrote it exactly. */
export interface NumericAnswer {
  value: number;
  numerator?: bigint;
  denominator?: bigint;
}

const unsigned = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+`;
const mixedPattern = /^([-+]?)(\d+)\s+(\d+)\s*\/\s*(\d+)(.*)$/s;
const fractionPattern = new RegExp(
  String.raw`^([-+]?)\(?\s*([-+]?(?:${unsigned}))\s*\)?\s*/\s*\(?\s*(${unsigned})\s*\)?(.*)$`,
  's',
);
const scientificPattern = new RegExp(
  String.raw`^([-+]?)(${unsigned})\s*(?:[eE]\s*([-+]?\d+)|\*\s*10\s*\^\s*\(?\s*([-+]?\d+)\s*\)?)(.*)$`,
  's',
);
const plainPattern = new RegExp(`^([-+]?)(${unsigned})(.*)$`, 's');
/** Past this, `1e999999999` would build a billion-digit BigInt; such a text is not read as a number. */
const maxExponent = 1000;
/** Longer texts are not read as numbers (the digits become a BigInt; answers are hostile input). */
const maxNumericLength = 1000;
/** Words that are part of an expression, not a unit after the number. */
const expressionWords = /^(?:pi|sqrt|nthroot|e|i|infinity|log|ln|sin|cos|tan|exp)\b/i;

/** Decimal text (commas allowed as thousands separators) as an exact fraction. */
function exactDecimal(text: string): { numerator: bigint; denominator: bigint } {
  const [whole = '', fraction = ''] = text.replace(/,/g, '').split('.');
  const digits = `${whole}${fraction}`.replace(/^[-+]/, '') || '0';
  const negative = whole.startsWith('-');
  const numerator = BigInt(digits) * (negative ? -1n : 1n);
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

function greatestCommonDivisor(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

function rational(numerator: bigint, denominator: bigint, sign: string): NumericAnswer | undefined {
  if (denominator === 0n) return undefined;
  const divisor = greatestCommonDivisor(numerator, denominator);
  const signed = (sign === '-' ? -numerator : numerator) / divisor;
  const reduced = denominator / divisor;
  return { value: Number(signed) / Number(reduced), numerator: signed, denominator: reduced };
}

/** What may follow a number and still leave it a number: nothing, or unit words ("apples", "km/h", "per hour"). */
function isUnitTail(tail: string): boolean {
  const rest = tail.trim().replace(/[.,;:!]+$/, '');
  if (rest === '') return true;
  if (!/^[a-zA-Z][a-zA-Z\s./²³'-]*$/.test(rest)) return false;
  if (expressionWords.test(rest)) return false;
  // "5x" is an expression; "5 x" and "5cm" are a number with a unit.
  return /^\s/.test(tail) || /^[a-zA-Z]{2,}/.test(rest);
}

/** Strips what never changes a number's value: `$`, `%`, spacing, a trailing period, unicode minus. */
export function cleanAnswerText(text: string): string {
  return latexToPlain(text)
    .replace(/[−–]/g, '-')
    .replace(/[$%]|\bUSD\b|\bdollars?\b|\bpercent\b/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[a-zA-Z]\s*=\s*/, '')
    .replace(/\.$/, '')
    .trim();
}

/**
 * Reads an answer as one number if it is one: integers with thousands separators, decimals, fractions
 * (`a/b`, `\frac{a}{b}`), mixed numbers, scientific notation, with units or words after it. Else undefined.
 */
export function parseNumeric(text: string): NumericAnswer | undefined {
  if (text.length > maxNumericLength) return undefined;
  const cleaned = cleanAnswerText(text).replace(/^\+/, '');
  const mixed = mixedPattern.exec(cleaned);
  if (mixed && isUnitTail(mixed[5] ?? '')) {
    const [, sign = '', whole = '0', numerator = '0', denominator = '1'] = mixed;
    const wholeValue = BigInt(whole);
    return rational(wholeValue * BigInt(denominator) + BigInt(numerator), BigInt(denominator), sign);
  }
  const fraction = fractionPattern.exec(cleaned);
  if (fraction && isUnitTail(fraction[4] ?? '')) {
    const [, sign = '', top = '0', bottom = '1'] = fraction;
    const upper = exactDecimal(top);
    const lower = exactDecimal(bottom);
    return rational(upper.numerator * lower.denominator, upper.denominator * lower.numerator, sign);
  }
  const scientific = scientificPattern.exec(cleaned);
  if (scientific && isUnitTail(scientific[5] ?? '')) {
    const [, sign = '', mantissa = '0', exponentE, exponentPower] = scientific;
    const exponent = Number(exponentE ?? exponentPower ?? '0');
    if (Math.abs(exponent) > maxExponent) return undefined;
    const base = exactDecimal(mantissa);
    const scaled =
      exponent >= 0
        ? rational(base.numerator * 10n ** BigInt(exponent), base.denominator, sign)
        : rational(base.numerator, base.denominator * 10n ** BigInt(-exponent), sign);
    return scaled;
  }
  const plain = plainPattern.exec(cleaned);
  if (plain && isUnitTail(plain[3] ?? '')) {
    const [, sign = '', digits = '0'] = plain;
    const exact = exactDecimal(digits);
    return rational(exact.numerator, exact.denominator, sign);
  }
  return undefined;
}
