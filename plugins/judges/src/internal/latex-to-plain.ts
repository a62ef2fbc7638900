/** Index just past the balanced `{…}` group opening at `start` (which must be `{`), or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    const character = text[index];
    if (character === '{') depth += 1;
    else if (character === '}') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

/** One argument of a LaTeX command at `start`: a `{…}` group or a single character (`\frac12`). */
function readArgument(text: string, start: number): { value: string; end: number } | undefined {
  let index = start;
  while (text[index] === ' ') index += 1;
  if (index >= text.length) return undefined;
  if (text[index] === '{') {
    const end = closingBrace(text, index);
    if (end < 0) return undefined;
    return { value: text.slice(index + 1, end - 1), end };
  }
  return { value: text[index] ?? '', end: index + 1 };
}

function wrap(value: string): string {
  return /^\s*[-+]?\d+(?:\.\d+)?\s*$/.test(value) ? value.trim() : `(${value})`;
}

/** Rewrites every `\name{a}{b}` (arity 2) or `\name{a}` (arity 1) with `render`, innermost first. */
function replaceCommand(options: {
  text: string;
  name: string;
  arity: 1 | 2;
  render: (args: string[]) => string;
}): string {
  let text = options.text;
  const token = `\\${options.name}`;
  for (let start = text.lastIndexOf(token); start >= 0; start = start === 0 ? -1 : text.lastIndexOf(token, start - 1)) {
    const after = text[start + token.length];
    if (after !== undefined && /[a-zA-Z]/.test(after)) continue;
    const args: string[] = [];
    let end = start + token.length;
    for (let count = 0; count < options.arity; count += 1) {
      const argument = readArgument(text, end);
      if (!argument) break;
      args.push(argument.value);
      end = argument.end;
    }
    if (args.length !== options.arity) continue;
    text = text.slice(0, start) + options.render(args) + text.slice(end);
  }
  return text;
}

const functionNames = 'arcsin|arccos|arctan|sinh|cosh|tanh|sin|cos|tan|sec|csc|cot|ln|log|exp';
const group = String.raw`\([^()]*\)|\d+|[a-zA-Z]`;
const functionCall = new RegExp(
  String.raw`\\(${functionNames})(?![a-zA-Z])\s*(?:_\s*(${group}))?\s*(?:\^\s*(${group}))?\s*`,
);

/** Index just past the balanced `(…)` group opening at `start`, or -1. */
function closingParenthesis(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index += 1) {
    if (text[index] === '(') depth += 1;
    else if (text[index] === ')') {
      depth -= 1;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

/**
 * `\sin^2 x` → `sin(x)^(2)`, `\cos 2x` → `cos(2x)`, `\ln(x+1)` → `ln(x+1)`: a function's argument is a group or
 * one token (`2x`, `\theta`); run after `{}` became `()`.
 */
function applyFunctions(text: string): string {
  let result = '';
  let index = 0;
  const pattern = new RegExp(functionCall.source, 'g');
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    const [whole, name = '', base, power] = match;
    const start = match.index + whole.length;
    let end = start;
    if (text[start] === '(') end = closingParenthesis(text, start);
    else end = start + (/^(?:\\[a-zA-Z]+|\d*\.?\d*[a-zA-Z]?)/.exec(text.slice(start, start + 40))?.[0].length ?? 0);
    if (end <= start) continue;
    const argument = text[start] === '(' ? text.slice(start + 1, end - 1) : text.slice(start, end);
    const exponent = power === undefined ? '' : `^(${power.replace(/^\(|\)$/g, '')})`;
    const mapped = name.startsWith('arc') ? `a${name.slice(3)}` : name;
    const baseArgument = base === undefined || name !== 'log' ? '' : `, ${base.replace(/^\(|\)$/g, '')}`;
    result += `${text.slice(index, match.index)} ${mapped}(${argument}${baseArgument})${exponent}`;
    index = end;
    pattern.lastIndex = end;
  }
  return result + text.slice(index);
}

/**
 * Turns a LaTeX answer into a plain expression a CAS can read: unwraps `\text{}` and friends, drops `\left`,
 * `^\circ`, spacing and math delimiters, and writes `\frac`/`\sqrt` as `(a)/(b)`/`sqrt(a)`.
 */
export function latexToPlain(latex: string): string {
  let text = latex.trim();
  text = text.replace(/^\$+|\$+$/g, '').replace(/^\\[([]|\\[)\]]$/g, '');
  text = text.replace(/\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\s*/g, '');
  text = text.replace(/\\(?:displaystyle|limits)(?![a-zA-Z])/g, '');
  text = text.replace(/\\[,;:! ]|\\quad|\\qquad|~/g, ' ');
  text = text.replace(/\{,\}/g, ',');
  text = text.replace(/\{,\}/g, ',');
  text = text.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
  text = text.replace(/\^\s*\{?\s*\\circ\s*\}?|\\circ|\\degree|°/g, '');
  // A repeating decimal `0.1\overline{6}` as the fraction it is (1/6).
  text = text.replace(
    /(\d{0,30})\.(\d{0,30})\\(?:overline|dot)\s*\{(\d{1,30})\}/g,
    (_all, whole: string, fixed: string, repeat: string) => {
      const all = BigInt(`${whole}${fixed}${repeat}`);
      const head = BigInt(`${whole}${fixed}` || '0');
      const denominator = 10n ** BigInt(fixed.length) * (10n ** BigInt(repeat.length) - 1n);
      return `(${all - head})/(${denominator})`;
    },
  );
  text = text.replace(/\\[dt]binom(?![a-zA-Z])/g, '\\binom');
  text = replaceCommand({ text, name: 'binom', arity: 2, render: ([n, k]) => ` binom(${n ?? ''}, ${k ?? ''}) ` });
  for (const name of ['text', 'textbf', 'textit', 'mathrm', 'mathbf', 'mathit', 'mbox', 'operatorname', 'boxed']) {
    text = replaceCommand({ text, name, arity: 1, render: ([inner]) => ` ${inner ?? ''} ` });
  }
  text = text.replace(/\\%/g, '%').replace(/\\\$/g, '$');
  text = text.replace(/\\(?:cdot|times|ast)(?![a-zA-Z])/g, '*').replace(/\\div(?![a-zA-Z])/g, '/');
  text = text.replace(/\\pi(?![a-zA-Z])/g, ' pi ').replace(/\\infty(?![a-zA-Z])/g, ' Infinity ');
  // A whole number right before a fraction is a mixed number: 3\frac{1}{2} is 3 1/2, not 3 * 1/2.
  text = text.replace(/(^|[^\d.])(\d+)\s*\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}/g, '$1$2 $3/$4');
  text = text.replace(/\\sqrt\s*\[([^\]]*)\]\s*(\{[^{}]*\}|\d)/g, (_all, degree: string, radicand: string) => {
    return `nthRoot(${radicand.replace(/^\{|\}$/g, '')}, ${degree})`;
  });
  text = replaceCommand({ text, name: 'sqrt', arity: 1, render: ([inner]) => `sqrt(${inner ?? ''})` });
  text = replaceCommand({
    text,
    name: 'frac',
    arity: 2,
    render: ([numerator, denominator]) => `${wrap(numerator ?? '')}/${wrap(denominator ?? '')}`,
  });
  text = text.replace(/\{/g, '(').replace(/\}/g, ')');
  text = applyFunctions(text);
  text = text.replace(/\\/g, ' ');
  return text.replace(/\s+/g, ' ').trim();
}
