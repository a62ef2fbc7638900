import { type AnswerShape, answerShape } from './internal/answer-shape.ts';
import {
  type Arithmetic,
  arithmeticLimits,
  evaluateArithmetic,
  parseArithmetic,
  splitLetterRuns,
} from './internal/arithmetic.ts';
import {
  formatRationalFunction,
  type RationalFunction,
  rationalFunction,
  rationalValue,
  sameRationalFunction,
} from './internal/rational-function.ts';
import { cleanAnswerText, type NumericAnswer, parseNumeric } from './parse-numeric.ts';

/** Answers longer than this are not compared (a model's answer is hostile input; every step below is bounded by it). */
export const maxAnswerLength = arithmeticLimits.maxLength;
/** Comparisons one verdict may make (sets compare items pairwise); past it the verdict is `too_complex`. */
const maxComparisons = 1024;
/** Wall-clock budget of one verdict; past it (a loaded machine, a pathological answer) the verdict is `too_complex`. */
export const defaultTimeBudgetMs = 200;
/** Nesting of sets in tuples in matrices … one verdict follows. */
const maxDepth = 4;

export interface Tolerance {
  /** Allowed |a - b| / max(|a|, |b|), for answers that are not both whole numbers. */
  relative: number;
  /** Allowed |a - b|, for answers that are not both whole numbers. */
  absolute: number;
}

export const defaultTolerance: Tolerance = { relative: 1e-6, absolute: 0 };

export type EquivalenceReason =
  | 'numeric_equal'
  | 'numeric_different'
  | 'symbolic_equal'
  | 'symbolic_different'
  | 'sampled_equal'
  | 'sampled_different'
  | 'tuple_equal'
  | 'tuple_different'
  | 'interval_equal'
  | 'interval_different'
  | 'set_equal'
  | 'set_different'
  | 'matrix_equal'
  | 'matrix_different'
  | 'relation_equal'
  | 'relation_different'
  | 'shape_different'
  | 'text_equal'
  | 'text_different'
  | 'too_complex'
  | 'too_long';

export interface Equivalence {
  equal: boolean;
  reason: EquivalenceReason;
  normalizedPrediction: string;
  normalizedReference: string;
}

/** Points where two expressions in free variables are compared when no exact form exists; fixed so verdicts are reproducible. */
const samplePoints = [0.37, 1.91, -2.43, 3.17, 0.61];

export function numbersClose(options: { a: number; b: number; tolerance: Tolerance }): boolean {
  const { a, b, tolerance } = options;
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const difference = Math.abs(a - b);
  return difference <= tolerance.absolute || difference <= tolerance.relative * Math.max(Math.abs(a), Math.abs(b));
}

interface Context {
  tolerance: Tolerance;
  symbolic: boolean;
  inequalityAsInterval: boolean;
  comparisons: number;
  deadline: number;
}

class TooComplex extends Error {}

const isWhole = (answer: NumericAnswer): boolean => answer.denominator === 1n;

function exactlyEqual(a: NumericAnswer, b: NumericAnswer): boolean | undefined {
  if (a.numerator === undefined || b.numerator === undefined || a.denominator === undefined) return undefined;
  if (b.denominator === undefined) return undefined;
  return a.numerator * b.denominator === b.numerator * a.denominator;
}

/**
 * Exact for rationals. A tolerance is for a rounded answer: it never joins two whole numbers (5,000,001 is not
 * 5,000,000) nor two answers both written exactly (integers, fractions, mixed numbers: `\frac{6999993}{4}` is not
 * `\frac{6999989}{4}`); it applies when either side is a decimal or in scientific notation.
 */
function numericEqual(options: {
  a: NumericAnswer;
  b: NumericAnswer;
  tolerance: Tolerance;
  rounded: boolean;
}): boolean {
  const { a, b } = options;
  const exact = exactlyEqual(a, b);
  if (exact === true) return true;
  if (exact === false && ((isWhole(a) && isWhole(b)) || !options.rounded)) return false;
  return numbersClose({ a: a.value, b: b.value, tolerance: options.tolerance });
}

/** Whether an answer is written as a decimal or in scientific notation (a value that may have been rounded). */
function writtenRounded(text: string): boolean {
  return /\d?\.\d|\d[eE][-+]?\d|10\s*\^/.test(cleanAnswerText(text));
}

const percentPattern = /\\?%|\bpercent\b|\bpct\b/i;

function hundredth(answer: NumericAnswer): NumericAnswer {
  return {
    value: answer.value / 100,
    numerator: answer.numerator,
    denominator: answer.denominator === undefined ? undefined : answer.denominator * 100n,
  };
}

function formatNumeric(answer: NumericAnswer): string {
  if (answer.numerator === undefined || answer.denominator === undefined) return String(answer.value);
  return answer.denominator === 1n ? answer.numerator.toString() : `${answer.numerator}/${answer.denominator}`;
}

function parseExpression(text: string): Arithmetic | undefined {
  return parseArithmetic(splitLetterRuns(text.replace(/(\d),(?=\d{3}(?!\d))/g, '$1')));
}

/**
 * Same value at every sample point (constants: once), within tolerance. A point where neither side is defined
 * (`sqrt(x)` at x < 0) is skipped; one where only one side is, is a difference; undefined when no point counts.
 */
function sampledEqual(prediction: Arithmetic, reference: Arithmetic, tolerance: Tolerance): boolean | undefined {
  const symbols = [...new Set([...prediction.symbols, ...reference.symbols])];
  const points = symbols.length === 0 ? [0] : samplePoints;
  let compared = 0;
  for (const [pointIndex, point] of points.entries()) {
    const scope = Object.fromEntries(symbols.map((name, index) => [name, point + index * 0.29 + pointIndex * 0.01]));
    const a = evaluateArithmetic(prediction, scope);
    const b = evaluateArithmetic(reference, scope);
    if (a === undefined && b === undefined) continue;
    if (a === undefined || b === undefined || !numbersClose({ a, b, tolerance })) return false;
    compared += 1;
  }
  return compared >= Math.min(2, points.length) ? true : undefined;
}

function textForm(text: string): string {
  return cleanAnswerText(text)
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[.,;:]+$/, '');
}

const verdict = (equal: boolean, reason: EquivalenceReason, prediction: string, reference: string): Equivalence => ({
  equal,
  reason,
  normalizedPrediction: prediction,
  normalizedReference: reference,
});

/**
 * Symbolic comparison: both sides as exact rational functions (polynomials over free variables, `pi`, `e` and
 * square roots with BigInt rational coefficients) when they are ones; a different canonical form is final for
 * rational functions of free variables. Constants compare by value (within the tolerance unless both are whole
 * numbers); anything else (trigonometry, logarithms, roots of expressions) is evaluated at fixed points.
 */
function compareExpressions(prediction: string, reference: string, context: Context): Equivalence | undefined {
  const predictionExpression = parseExpression(prediction);
  const referenceExpression = parseExpression(reference);
  if (!predictionExpression || !referenceExpression) return undefined;
  const predictionForm = rationalFunction(predictionExpression.node);
  const referenceForm = rationalFunction(referenceExpression.node);
  if (predictionForm && referenceForm) {
    const same = sameRationalFunction(predictionForm, referenceForm);
    const shown = (form: RationalFunction) => formatRationalFunction(form);
    if (same === true) return verdict(true, 'symbolic_equal', shown(predictionForm), shown(referenceForm));
    const predictionValue = rationalValue(predictionForm);
    const referenceValue = rationalValue(referenceForm);
    if (same === false && predictionValue && referenceValue) {
      const a = { value: Number(predictionValue.numerator) / Number(predictionValue.denominator), ...predictionValue };
      const b = { value: Number(referenceValue.numerator) / Number(referenceValue.denominator), ...referenceValue };
      const rounded = writtenRounded(prediction) || writtenRounded(reference);
      const equal = numericEqual({ a, b, tolerance: context.tolerance, rounded });
      return verdict(equal, equal ? 'numeric_equal' : 'numeric_different', formatNumeric(a), formatNumeric(b));
    }
    const irrational = predictionForm.irrational || referenceForm.irrational;
    if (same === false && !irrational && (predictionForm.variables || referenceForm.variables)) {
      return verdict(false, 'symbolic_different', shown(predictionForm), shown(referenceForm));
    }
  }
  const equal = sampledEqual(predictionExpression, referenceExpression, context.tolerance);
  if (equal === undefined) return undefined;
  return verdict(
    equal,
    equal ? 'sampled_equal' : 'sampled_different',
    predictionExpression.node.toString(),
    referenceExpression.node.toString(),
  );
}

/** One number, expression or word against another. */
function compareScalars(prediction: string, reference: string, context: Context): Equivalence {
  const predictionNumber = parseNumeric(prediction);
  const referenceNumber = parseNumeric(reference);
  if (predictionNumber && referenceNumber) {
    const predictionPercent = percentPattern.test(prediction);
    const referencePercent = percentPattern.test(reference);
    const settings = { tolerance: context.tolerance, rounded: writtenRounded(prediction) || writtenRounded(reference) };
    // `50\%` is 50 and also 0.5: either reading counts.
    const equal =
      numericEqual({ a: predictionNumber, b: referenceNumber, ...settings }) ||
      (predictionPercent && numericEqual({ a: hundredth(predictionNumber), b: referenceNumber, ...settings })) ||
      (referencePercent && numericEqual({ a: predictionNumber, b: hundredth(referenceNumber), ...settings }));
    return verdict(
      equal,
      equal ? 'numeric_equal' : 'numeric_different',
      formatNumeric(predictionNumber),
      formatNumeric(referenceNumber),
    );
  }
  const predictionText = textForm(prediction);
  const referenceText = textForm(reference);
  if (predictionText === referenceText) return verdict(true, 'text_equal', predictionText, referenceText);
  // Two words (`odd`, `Monday`) are text: read as products of letters, `cat` would equal `act`.
  const word = /^[a-zA-Z]{3,}$/;
  if (context.symbolic && !(word.test(predictionText) && word.test(referenceText))) {
    const symbolic = compareExpressions(cleanAnswerText(prediction), cleanAnswerText(reference), context);
    if (symbolic) return symbolic;
  }
  return verdict(false, 'text_different', predictionText, referenceText);
}

const flipped: Readonly<Record<string, string>> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=', '!=': '!=' };

/** A relation whose left side names the answer (`x = 3`, `f(x) = …`, `x \in [0, 1)`): its right side is the answer. */
function isNamingRelation(shape: AnswerShape): boolean {
  return (
    shape.kind === 'relation' &&
    (shape.operator === '=' || shape.operator === 'in') &&
    /^(?:[a-zA-Z](?:_\{?\w+\}?)?|\\[a-zA-Z]+|[a-zA-Z]\([a-zA-Z]\))$/.test(shape.left.trim())
  );
}

/** Whether `relation`'s right side stands for the answer when compared with `other`. */
function answersBy(relation: Extract<AnswerShape, { kind: 'relation' }>, other: AnswerShape): boolean {
  if (isNamingRelation(other)) return false;
  return isNamingRelation(relation) || (relation.operator === '=' && other.kind !== 'relation');
}

function describe(shape: AnswerShape): string {
  switch (shape.kind) {
    case 'matrix':
      return `matrix[${shape.rows.map((row) => row.join(' & ')).join(' \\\\ ')}]`;
    case 'relation':
      return `${shape.left} ${shape.operator} ${shape.right}`;
    case 'union':
      return shape.parts.join(' ∪ ');
    case 'set':
      return `{${shape.items.join(', ')}}`;
    case 'list':
      return shape.items.join(', ');
    case 'bracketed':
      return `${shape.open}${shape.items.join(', ')}${shape.close}`;
    case 'scalar':
      return shape.text;
  }
}

/** Whether every item of `a` equals an item of `b` and back (order and repeats ignored). */
function sameSet(a: string[], b: string[], context: Context, depth: number): boolean {
  const matches = (x: string, ys: string[]) => ys.some((y) => compare(x, y, context, depth + 1).equal);
  return a.every((item) => matches(item, b)) && b.every((item) => matches(item, a));
}

function sameSequence(a: string[], b: string[], context: Context, depth: number): boolean {
  return a.length === b.length && a.every((item, index) => compare(item, b[index] ?? '', context, depth + 1).equal);
}

const variable = /^[a-zA-Z](?:_\{?\w+\}?)?$/;
const bound = (operator: string): { below: boolean; closed: boolean } | undefined =>
  ({
    '<': { below: true, closed: false },
    '<=': { below: true, closed: true },
    '>': { below: false, closed: false },
    '>=': { below: false, closed: true },
  })[operator];

/**
 * An inequality in one variable as the interval it describes: `x < 3` is `(-\infty, 3)`, `3 \le x` is
 * `[3, \infty)`, `1 < x \le 3` is `(1, 3]`; undefined for anything else.
 */
function inequalityInterval(shape: AnswerShape): Extract<AnswerShape, { kind: 'bracketed' }> | undefined {
  if (shape.kind !== 'relation') return undefined;
  const first = bound(shape.operator);
  if (first === undefined) return undefined;
  const left = shape.left.trim();
  const right = answerShape(shape.right);
  const interval = (
    below: { value: string; closed: boolean },
    above: { value: string; closed: boolean },
  ): Extract<AnswerShape, { kind: 'bracketed' }> => ({
    kind: 'bracketed',
    open: below.closed ? '[' : '(',
    close: above.closed ? ']' : ')',
    items: [below.value, above.value],
    source: shape.source,
  });
  const infinite = { value: '\\infty', closed: false };
  const minusInfinite = { value: '-\\infty', closed: false };
  if (variable.test(left) && right.kind === 'scalar') {
    const edge = { value: right.text, closed: first.closed };
    return first.below ? interval(minusInfinite, edge) : interval(edge, infinite);
  }
  if (right.kind === 'scalar' && variable.test(right.text.trim())) {
    // `3 > x` is `x < 3`.
    const edge = { value: left, closed: first.closed };
    return first.below ? interval(edge, infinite) : interval(minusInfinite, edge);
  }
  const second = right.kind === 'relation' ? bound(right.operator) : undefined;
  if (right.kind === 'relation' && second && second.below === first.below && variable.test(right.left.trim())) {
    const low = { value: first.below ? left : right.right, closed: first.below ? first.closed : second.closed };
    const high = { value: first.below ? right.right : left, closed: first.below ? second.closed : first.closed };
    return interval(low, high);
  }
  return undefined;
}

function compareShapes(prediction: AnswerShape, reference: AnswerShape, context: Context, depth: number): Equivalence {
  // `x < 3` against `(-\infty, 3)`: the inequality as its interval, when asked (Math-Verify's allow_set_relation_comp).
  if (context.inequalityAsInterval) {
    const predictionInterval = reference.kind === 'bracketed' ? inequalityInterval(prediction) : undefined;
    if (predictionInterval) return compareShapes(predictionInterval, reference, context, depth + 1);
    const referenceInterval = prediction.kind === 'bracketed' ? inequalityInterval(reference) : undefined;
    if (referenceInterval) return compareShapes(prediction, referenceInterval, context, depth + 1);
  }
  const shown = (equal: boolean, reason: EquivalenceReason) =>
    verdict(equal, reason, describe(prediction), describe(reference));
  // `x = 3` or `2 + 1 = 3` against `3`: the right side is the answer.
  if (prediction.kind === 'relation' && answersBy(prediction, reference)) {
    return compare(prediction.right, reference.source, context, depth + 1);
  }
  if (reference.kind === 'relation' && answersBy(reference, prediction)) {
    return compare(prediction.source, reference.right, context, depth + 1);
  }
  if (prediction.kind === 'relation' && reference.kind === 'relation') {
    const sameSides = () =>
      compare(prediction.left, reference.left, context, depth + 1).equal &&
      compare(prediction.right, reference.right, context, depth + 1).equal;
    const swappedSides = () =>
      compare(prediction.left, reference.right, context, depth + 1).equal &&
      compare(prediction.right, reference.left, context, depth + 1).equal;
    const equal =
      (prediction.operator === reference.operator && sameSides()) ||
      (flipped[prediction.operator] === reference.operator && swappedSides());
    return shown(equal, equal ? 'relation_equal' : 'relation_different');
  }
  if (prediction.kind === 'matrix' && reference.kind === 'matrix') {
    const equal =
      prediction.rows.length === reference.rows.length &&
      prediction.rows.every((row, index) => sameSequence(row, reference.rows[index] ?? [], context, depth));
    return shown(equal, equal ? 'matrix_equal' : 'matrix_different');
  }
  if (prediction.kind === 'union' && reference.kind === 'union') {
    const equal = sameSet(prediction.parts, reference.parts, context, depth);
    return shown(equal, equal ? 'interval_equal' : 'interval_different');
  }
  if (prediction.kind === 'bracketed' && reference.kind === 'bracketed') {
    // Open and closed ends matter: `[0, 9)` is not `(0, 9)`; `(1, 2)` reads as a tuple or an open interval alike.
    const equal =
      prediction.open === reference.open &&
      prediction.close === reference.close &&
      sameSequence(prediction.items, reference.items, context, depth);
    const interval = prediction.open !== prediction.close.replace(')', '(').replace(']', '[');
    if (interval) return shown(equal, equal ? 'interval_equal' : 'interval_different');
    return shown(equal, equal ? 'tuple_equal' : 'tuple_different');
  }
  const unordered = (shape: AnswerShape) => shape.kind === 'set' || shape.kind === 'list';
  if (unordered(prediction) && unordered(reference)) {
    const items = (shape: AnswerShape) => (shape.kind === 'set' || shape.kind === 'list' ? shape.items : []);
    const equal = sameSet(items(prediction), items(reference), context, depth);
    return shown(equal, equal ? 'set_equal' : 'set_different');
  }
  // A bare list against a tuple: in order (`1, 2` is the point `(1, 2)` as written).
  const ordered = (shape: AnswerShape) =>
    shape.kind === 'list' || shape.kind === 'bracketed' ? shape.items : undefined;
  const predictionItems = ordered(prediction);
  const referenceItems = ordered(reference);
  if (predictionItems && referenceItems && (prediction.kind === 'list') !== (reference.kind === 'list')) {
    const equal = sameSequence(predictionItems, referenceItems, context, depth);
    return shown(equal, equal ? 'tuple_equal' : 'tuple_different');
  }
  if (prediction.kind === 'scalar' && reference.kind === 'scalar') {
    return compareScalars(prediction.text, reference.text, context);
  }
  // The same text in different shapes (e.g. a set written two ways) is still the same answer.
  const equal = textForm(describe(prediction)) === textForm(describe(reference));
  return shown(equal, equal ? 'text_equal' : 'shape_different');
}

function compare(prediction: string, reference: string, context: Context, depth: number): Equivalence {
  context.comparisons += 1;
  if (depth > maxDepth || context.comparisons > maxComparisons || performance.now() > context.deadline) {
    throw new TooComplex();
  }
  return compareShapes(answerShape(prediction), answerShape(reference), context, depth);
}

/**
 * Whether a prediction means the same answer as a reference: by shape first (matrices cell by cell, relations,
 * unions of intervals, sets in any order, tuples and intervals in order with their ends), then item by item as
 * numbers (exact rationals; formatting, units, currency and percent ignored), as expressions (exact canonical
 * forms, else evaluation at fixed points), else as normalized text. Answers past `maxAnswerLength` are
 * `too_long`; verdicts that would compare more than `maxComparisons` items or run past the time budget are
 * `too_complex`; neither is equal.
 */
export function answersEquivalent(options: {
  prediction: string;
  reference: string;
  tolerance?: Tolerance;
  symbolic?: boolean;
  /** Whether `x < 3` may answer `(-\infty, 3)` (off: the question asked for one notation). */
  inequalityAsInterval?: boolean;
  /** Wall-clock budget of this verdict in ms (default `defaultTimeBudgetMs`). */
  timeBudgetMs?: number;
}): Equivalence {
  const { prediction, reference } = options;
  if (prediction.length > maxAnswerLength || reference.length > maxAnswerLength) {
    return verdict(false, 'too_long', prediction.slice(0, 80), reference.slice(0, 80));
  }
  const context: Context = {
    tolerance: options.tolerance ?? defaultTolerance,
    symbolic: options.symbolic !== false,
    inequalityAsInterval: options.inequalityAsInterval === true,
    comparisons: 0,
    deadline: performance.now() + (options.timeBudgetMs ?? defaultTimeBudgetMs),
  };
  try {
    return compare(prediction, reference, context, 0);
  } catch (error) {
    if (error instanceof TooComplex)
      return verdict(false, 'too_complex', prediction.slice(0, 80), reference.slice(0, 80));
    throw error;
  }
}
