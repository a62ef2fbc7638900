/**
 * The outer shape of a LaTeX answer, read before it is flattened to plain arithmetic: a matrix, a relation
 * (`x = 3`, `x \le 2`), a union of intervals, a set `\{…\}`, a bracketed tuple or interval (`(a, b]`), a bare
 * list (`1, 2`, `2 \text{ or } 3`), or a scalar. Linear in the text; the text is capped by the caller.
 */
export type RelationOperator = '=' | '<' | '<=' | '>' | '>=' | '!=' | 'in';

export type AnswerShape = ShapeKind & {
  /** The answer's text, unwrapped. */
  source: string;
};

type ShapeKind =
  | { kind: 'matrix'; rows: string[][] }
  | { kind: 'relation'; left: string; operator: RelationOperator; right: string }
  | { kind: 'union'; parts: string[] }
  | { kind: 'set'; items: string[] }
  | { kind: 'list'; items: string[] }
  | { kind: 'bracketed'; open: '(' | '['; close: ')' | ']'; items: string[] }
  | { kind: 'scalar'; text: string };

const relationTokens: ReadonlyArray<[string, RelationOperator]> = [
  ['\\leqslant', '<='],
  ['\\geqslant', '>='],
  ['\\leq', '<='],
  ['\\geq', '>='],
  ['\\neq', '!='],
  ['\\le', '<='],
  ['\\ge', '>='],
  ['\\ne', '!='],
  ['\\lt', '<'],
  ['\\gt', '>'],
  ['\\in', 'in'],
  ['<=', '<='],
  ['>=', '>='],
  ['!=', '!='],
  ['≤', '<='],
  ['≥', '>='],
  ['≠', '!='],
  ['∈', 'in'],
  ['=', '='],
  ['<', '<'],
  ['>', '>'],
];

/** Strips what wraps an answer without changing it: math delimiters, `\left`/`\right`, spacing, a final period. */
export function unwrapAnswer(text: string): string {
  let result = text.trim();
  result = result.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\s*(\\?[()[\]{}|.])?/g, '$1');
  result = result.replace(/\\(?:left|right)\./g, '');
  result = result.replace(/\\(?:displaystyle|limits)(?![a-zA-Z])/g, '');
  // Spacing commands become spaces; a row break `\\` stays.
  result = result.replace(/\\\\|\\[,;:! ]|\\q?quad(?![a-zA-Z])|~/g, (token) => (token === '\\\\' ? token : ' '));
  for (let round = 0; round < 3; round += 1) {
    const before = result;
    result = result
      .trim()
      .replace(/[.;]+$/, '')
      .trim();
    if (/^\$[^$]*\$$/.test(result) || /^\$\$[\s\S]*\$\$$/.test(result)) result = result.replace(/^\$+|\$+$/g, '');
    if (/^\\\[[\s\S]*\\\]$/.test(result) || /^\\\([\s\S]*\\\)$/.test(result)) result = result.slice(2, -2);
    if (result === before) break;
  }
  return result.trim();
}

interface Scan {
  /** Indices (depth 0) of commas. */
  commas: number[];
  /** The first depth-0 relation: index, token length, operator. */
  relation?: { index: number; length: number; operator: RelationOperator };
  /** Indices of depth-0 `\cup` / `∪`. */
  unions: Array<{ index: number; length: number }>;
  /** Whether the first character's bracket closes only at the last character. */
  oneGroup: boolean;
}

/** One pass over the text at bracket depth 0; `(`/`[` open and `)`/`]` close whatever their kind (intervals). */
function scan(text: string): Scan {
  const result: Scan = { commas: [], unions: [], oneGroup: true };
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index] ?? '';
    if (character === '\\' && (text[index + 1] === '{' || text[index + 1] === '}')) {
      depth += text[index + 1] === '{' ? 1 : -1;
      index += 1;
    } else if (character === '(' || character === '[' || character === '{') depth += 1;
    else if (character === ')' || character === ']' || character === '}') depth -= 1;
    else if (depth === 0) {
      if (character === ',') result.commas.push(index);
      else if (text.startsWith('\\cup', index) && !/[a-zA-Z]/.test(text[index + 4] ?? '')) {
        result.unions.push({ index, length: 4 });
      } else if (character === '∪') result.unions.push({ index, length: 1 });
      else if (result.relation === undefined) {
        for (const [token, operator] of relationTokens) {
          if (!text.startsWith(token, index)) continue;
          if (token.startsWith('\\') && /[a-zA-Z]/.test(text[index + token.length] ?? '')) continue;
          result.relation = { index, length: token.length, operator };
          break;
        }
      }
    }
    if (depth <= 0 && index > 0 && index < text.length - 1) result.oneGroup = false;
  }
  return result;
}

function splitAt(text: string, cuts: Array<{ index: number; length: number }>): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(text.slice(start, cut.index).trim());
    start = cut.index + cut.length;
  }
  parts.push(text.slice(start).trim());
  return parts;
}

const commaCuts = (commas: number[]): Array<{ index: number; length: number }> =>
  commas.map((index) => ({ index, length: 1 }));

/** A number written with thousands separators (`1,000`, `-12,345.5`), units or currency around it. */
const groupedNumber = /^[^\d,]*[-+−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?[^\d,]*$/;

function matrixRows(text: string): string[][] | undefined {
  const match = /^\\begin\{([pbBvV]?matrix|array)\}(?:\{[lcr|\s]*\})?([\s\S]*)\\end\{\1\}$/.exec(text);
  if (!match) return undefined;
  const rows = (match[2] ?? '')
    .split(/\\\\/)
    .map((row) => row.trim())
    .filter((row) => row !== '' && row !== '\\hline');
  return rows.map((row) => row.split('&').map((cell) => cell.trim()));
}

/** Reads the outer shape of an answer. */
export function answerShape(raw: string): AnswerShape {
  const source = unwrapAnswer(raw);
  return { ...shapeOf(source), source };
}

function shapeOf(unwrapped: string): ShapeKind {
  const text = unwrapped
    .replace(/\\(?:text|mbox|textrm|mathrm)\s*\{\s*(?:or|and)\s*\}/g, ',')
    .replace(/\s+or\s+/g, ',');
  // `1 \pm \sqrt{2}`: the two answers it stands for.
  const plusMinus = /\\(?:pm|mp)(?![a-zA-Z])|±/g;
  if ((text.match(plusMinus) ?? []).length === 1 && !text.includes(',')) {
    return { kind: 'list', items: [text.replace(plusMinus, '+'), text.replace(plusMinus, '-')] };
  }
  const rows = matrixRows(text);
  if (rows) return { kind: 'matrix', rows };
  const found = scan(text);
  // `x = -1, x = 2` (or `x=-1 \text{ or } x=2`): a list of relations, not one relation.
  const parts = found.commas.length > 0 ? splitAt(text, commaCuts(found.commas)) : [];
  if (parts.length > 1 && parts.every((part) => scan(part).relation !== undefined))
    return { kind: 'list', items: parts };
  if (found.relation) {
    const { index, length, operator } = found.relation;
    const left = text.slice(0, index).trim();
    const right = text.slice(index + length).trim();
    // `a = b = 5`: the last side is the answer (a chain of equal expressions).
    const lastEquals = operator === '=' ? right.lastIndexOf('=') : -1;
    const answer =
      lastEquals >= 0 && !/[<>!\\]$/.test(right.slice(0, lastEquals)) ? right.slice(lastEquals + 1).trim() : right;
    if (left !== '' && answer !== '') return { kind: 'relation', left, operator, right: answer };
  }
  if (found.unions.length > 0) return { kind: 'union', parts: splitAt(text, found.unions) };
  if (/^\\\{[\s\S]*\\\}$/.test(text) && found.oneGroup) {
    const inner = text.slice(2, -2);
    const innerScan = scan(inner);
    const items = inner.trim() === '' ? [] : splitAt(inner, commaCuts(innerScan.commas));
    return { kind: 'set', items };
  }
  if (/^\\(?:emptyset|varnothing)$|^∅$/.test(text)) return { kind: 'set', items: [] };
  const open = text[0];
  const close = text.at(-1);
  if ((open === '(' || open === '[') && (close === ')' || close === ']') && found.oneGroup) {
    const inner = text.slice(1, -1);
    const innerScan = scan(inner);
    if (innerScan.commas.length > 0) {
      return { kind: 'bracketed', open, close, items: splitAt(inner, commaCuts(innerScan.commas)) };
    }
  }
  if (found.commas.length > 0 && !groupedNumber.test(text)) {
    return { kind: 'list', items: splitAt(text, commaCuts(found.commas)) };
  }
  return { kind: 'scalar', text };
}
