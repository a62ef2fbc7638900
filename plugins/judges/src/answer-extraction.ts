/** The content of the last (or first) `\boxed{…}`, braces balanced. */
export function extractBoxed(text: string, which: 'last' | 'first' = 'last'): string | undefined {
  const found: string[] = [];
  const pattern = /\\(?:boxed|fbox)\s*\{/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    let depth = 1;
    let index = match.index + match[0].length;
    const start = index;
    while (index < text.length && depth > 0) {
      if (text[index] === '{') depth += 1;
      else if (text[index] === '}') depth -= 1;
      index += 1;
    }
    if (depth === 0) found.push(text.slice(start, index - 1));
  }
  return which === 'last' ? found.at(-1) : found[0];
}

const NUMBER = /-?\d[\d,]*(?:\.\d+)?(?:[eE][+-]?\d+)?|-?\.\d+/g;

/** Where the answer is, in order: \boxed{}, <answer>…</answer>, `#### N`, "the answer is N", the last number. */
export function extractAnswer(
  text: string,
  options: { box?: 'last' | 'first' } = {},
): { answer: string; method: string } | undefined {
  const boxed = extractBoxed(text, options.box);
  if (boxed !== undefined) return { answer: boxed, method: 'boxed' };
  const tagged = [...text.matchAll(/<answer>([\s\S]*?)<\/answer>/g)].at(-1)?.[1];
  if (tagged !== undefined) return { answer: tagged.trim(), method: 'answer_tag' };
  const hashes = /####\s*(.+)$/m.exec(text)?.[1];
  if (hashes !== undefined) return { answer: hashes.trim(), method: 'hashes' };
  const phrase = [...text.matchAll(/the (?:final )?answer is[:\s]*([^\n]*)/gi)].at(-1)?.[1];
  if (phrase !== undefined && phrase.trim().length > 0)
    return { answer: phrase.trim().replace(/\.$/, ''), method: 'answer_is' };
  const last = text.match(NUMBER)?.at(-1);
  if (last !== undefined) return { answer: last, method: 'last_number' };
  return undefined;
}

/** Strips LaTeX wrappers, currency, units and punctuation that never change a value. */
export function normalizeAnswer(text: string): string {
  let value = text.trim();
  let previous = '';
  while (previous !== value) {
    previous = value;
    value = value
      .replace(/^\$+|\$+$/g, '')
      .replace(/\\(?:text|textbf|mathrm|mbox)\s*\{([^{}]*)\}/g, '$1')
      .replace(/\\left|\\right|\\!|\\,|\\;|\\ /g, '')
      .replace(/\^\s*\{?\\circ\}?|°/g, '')
      .replace(/\\%|%/g, '')
      .replace(/\\\$|\$/g, '')
      .replace(/\\d?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, '($1)/($2)')
      .replace(/[.。]+$/, '')
      .trim()
      .replace(/^\((.*)\)$/, '$1')
      .trim();
  }
  return value;
}

/** The number a normalized answer states, if it is one: commas, fractions, mixed numbers, scientific notation. */
export function parseNumber(text: string): number | undefined {
  const compact = text
    .replace(/(\d),(?=\d{3}(?!\d))/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
  const mixed = /^(-?)(\d+) (\d+)\/(\d+)$/.exec(compact);
  if (mixed) {
    const [, sign, whole, numerator, denominator] = mixed;
    const value = Number(whole) + Number(numerator) / Number(denominator);
    return sign === '-' ? -value : value;
  }
  const fraction = /^\(?(-?[\d.]+)\)? ?\/ ?\(?(-?[\d.]+)\)?$/.exec(compact);
  if (fraction) {
    const denominator = Number(fraction[2]);
    return denominator === 0 ? undefined : Number(fraction[1]) / denominator;
  }
  const plain = /^[+]?(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|-?\.\d+)(?:\s*[a-zA-Z][a-zA-Z\s.]*)?$/.exec(compact);
  if (plain) return Number(plain[1]);
  return undefined;
}
