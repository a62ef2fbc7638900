import { type Arithmetic, arithmeticLimits, evaluateArithmetic, parseArithmetic } from './internal/arithmetic.ts';
import { cleanAnswerText, type NumericAnswer, parseNumeric } from './parse-numeric.ts';

/** Answers longer than this are not compared (a model's answer is hostile input; every step below is bounded by it). */
export const maxAnswerLength = arithmeticLimits.maxLength;

export interface Tolerance {
  /** Allowed |a - b| / max(|a|, |b|). */
  relative: number;
  /** Allowed |a - b|. */
  absolute: number;
}

export const defaultTolerance: Tolerance = { relative: 1e-6, absolute: 0 };

export type EquivalenceReason =
  | 'numeric_equal'
  | 'numeric_different'
  | 'symbolic_equal'
  | 'symbolic_different'
  | 'tuple_equal'
  | 'tuple_different'
  | 'text_equal'
  | 'text_different'
  | 'too_long';

export interface Equivalence {
  equal: boolean;
  reason: EquivalenceReason;
  normalizedPrediction: string;
  normalizedReference: string;
}

/** Points where two expressions in free variables are compared; fixed so verdicts are reproducible. */
const samplePoints = [0.37, 1.91, -2.43, 3.17, 0.61];

export function numbersClose(options: { a: number; b: number; tolerance: Tolerance }): boolean {
  const { a, b, tolerance } = options;
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const difference = Math.abs(a - b);
  return difference <= tolerance.absolute || difference <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

function numericEqual(options: { a: NumericAnswer; b: NumericAnswer; tolerance: Tolerance }): boolean {
  const { a, b, tolerance } = options;
  if (
    a.numerator !== undefined &&
    b.numerator !== undefined &&
    a.denominator !== undefined &&
    b.denominator !== undefined
  ) {
    if (a.numerator * b.denominator === b.numerator * a.denominator) return true;
    // Two whole numbers are equal only exactly: 5,000,000 and 5,000,001 are within 1e-6 but different answers.
    if (a.denominator === 1n && b.denominator === 1n) {
      return Math.abs(Number(a.numerator - b.numerator)) <= tolerance.absolute;
    }
  }
  return numbersClose({ a: a.value, b: b.value, tolerance });
}

function formatNumeric(answer: NumericAnswer): string {
  if (answer.numerator === undefined || answer.denominator === undefined) return String(answer.value);
  return answer.denominator === 1n ? answer.numerator.toString() : `${answer.numerator}/${answer.denominator}`;
}

/** Splits `(a, b)` / `[a, b]` into its top-level elements; undefined when the text is not a tuple. */
function tupleElements(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!/^[([].*[)\]]$/s.test(trimmed)) return undefined;
  const inner = trimmed.slice(1, -1);
  const elements: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < inner.length; index += 1) {
    const character = inner[index];
    if (character === '(' || character === '[') depth += 1;
    else if (character === ')' || character === ']') depth -= 1;
    else if (character === ',' && depth === 0) {
      elements.push(inner.slice(start, index));
      start = index + 1;
    }
  }
  elements.push(inner.slice(start));
  return elements.length > 1 ? elements.map((element) => element.trim()) : undefined;
}

function parseExpression(text: string): Arithmetic | undefined {
  return parseArithmetic(text.replace(/(\d),(?=\d{3}(?!\d))/g, '$1'));
}

/** Same value at every sample point (constants: once), within tolerance; undefined when either cannot be evaluated. */
function symbolicEqual(options: {
  prediction: Arithmetic;
  reference: Arithmetic;
  tolerance: Tolerance;
}): boolean | undefined {
  const symbols = [...new Set([...options.prediction.symbols, ...options.reference.symbols])];
  const points = symbols.length === 0 ? [0] : samplePoints;
  for (const [pointIndex, point] of points.entries()) {
    const scope = Object.fromEntries(symbols.map((name, index) => [name, point + index * 0.29 + pointIndex * 0.01]));
    const a = evaluateArithmetic(options.prediction, scope);
    const b = evaluateArithmetic(options.reference, scope);
    if (a === undefined || b === undefined) return undefined;
    if (!numbersClose({ a, b, tolerance: options.tolerance })) return false;
  }
  return true;
}

function textForm(text: string): string {
  return cleanAnswerText(text)
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[.,;:!]+$/, '');
}

/**
 * Whether a prediction means the same answer as a reference: as numbers (formatting, fractions, units
 * ignored), as tuples element by element, as scalar arithmetic (parsed by mathjs, evaluated by a whitelist of
 * operators and functions), else as normalized text. Answers past `maxAnswerLength` are `too_long`, never equal.
 */
export function answersEquivalent(options: {
  prediction: string;
  reference: string;
  tolerance?: Tolerance;
  symbolic?: boolean;
}): Equivalence {
  const tolerance = options.tolerance ?? defaultTolerance;
  if (options.prediction.length > maxAnswerLength || options.reference.length > maxAnswerLength) {
    return {
      equal: false,
      reason: 'too_long',
      normalizedPrediction: options.prediction.slice(0, 80),
      normalizedReference: options.reference.slice(0, 80),
    };
  }
  const predictionNumber = parseNumeric(options.prediction);
  const referenceNumber = parseNumeric(options.reference);
  if (predictionNumber && referenceNumber) {
    const equal = numericEqual({ a: predictionNumber, b: referenceNumber, tolerance });
    return {
      equal,
      reason: equal ? 'numeric_equal' : 'numeric_different',
      normalizedPrediction: formatNumeric(predictionNumber),
      normalizedReference: formatNumeric(referenceNumber),
    };
  }
  if (textForm(options.prediction) === textForm(options.reference)) {
    const form = textForm(options.prediction);
    return { equal: true, reason: 'text_equal', normalizedPrediction: form, normalizedReference: form };
  }
  const predictionPlain = cleanAnswerText(options.prediction);
  const referencePlain = cleanAnswerText(options.reference);
  const predictionTuple = tupleElements(predictionPlain);
  const referenceTuple = tupleElements(referencePlain);
  if (predictionTuple && referenceTuple) {
    const equal =
      predictionTuple.length === referenceTuple.length &&
      predictionTuple.every((element, index) => {
        const other = referenceTuple[index] ?? '';
        return answersEquivalent({ ...options, prediction: element, reference: other }).equal;
      });
    return {
      equal,
      reason: equal ? 'tuple_equal' : 'tuple_different',
      normalizedPrediction: predictionPlain,
      normalizedReference: referencePlain,
    };
  }
  if (options.symbolic !== false) {
    const prediction = parseExpression(predictionPlain);
    const reference = parseExpression(referencePlain);
    if (prediction && reference) {
      const equal = symbolicEqual({ prediction, reference, tolerance });
      if (equal !== undefined) {
        return {
          equal,
          reason: equal ? 'symbolic_equal' : 'symbolic_different',
          normalizedPrediction: prediction.node.toString(),
          normalizedReference: reference.node.toString(),
        };
      }
    }
  }
  const equal = textForm(options.prediction) === textForm(options.reference);
  return {
    equal,
    reason: equal ? 'text_equal' : 'text_different',
    normalizedPrediction: textForm(options.prediction),
    normalizedReference: textForm(options.reference),
  };
}
