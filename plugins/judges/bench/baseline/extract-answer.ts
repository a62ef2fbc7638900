import { tagContents } from './internal/tag-contents.ts';

export type ExtractionMethod = 'boxed' | 'answer_tag' | 'hashes' | 'answer_is' | 'last_number' | 'whole_text';

export interface ExtractedAnswer {
  text: string;
  method: ExtractionMethod;
}

export interface ExtractAnswerOptions {
  /** Which `\boxed{}` to take when there are several. */
  box?: 'first' | 'last';
  /** Use the whole text when no pattern matches (for `metadata.finalAnswer`, which is already an answer). */
  wholeTextFallback?: boolean;
}

const numberPattern = /[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?(?:[eE][-+]?\d+)?|[-+−]?\.\d+/g;

/** Contents of every `\boxed{…}` / `\fbox{…}` in order, with nested braces balanced. */
export function extractBoxed(text: string): string[] {
  const found: string[] = [];
  const opener = /\\(?:boxed|fbox)\s*\{/g;
  for (let match = opener.exec(text); match !== null; match = opener.exec(text)) {
    let depth = 1;
    let index = match.index + match[0].length;
    const start = index;
    while (index < text.length && depth > 0) {
      const character = text[index];
      if (character === '\\') {
        index += 2;
        continue;
      }
      if (character === '{') depth += 1;
      else if (character === '}') depth -= 1;
      index += 1;
    }
    if (depth === 0) found.push(text.slice(start, index - 1));
    opener.lastIndex = index;
  }
  return found;
}

function lastMatch(text: string, pattern: RegExp): string | undefined {
  let last: string | undefined;
  for (const match of text.matchAll(pattern)) last = match[1];
  return last?.trim();
}

/**
 * Finds the answer in a model's text: `\boxed{}`, then `<answer>…</answer>`, then `#### N`, then
 * "the answer is N", then the last number (or the whole text with `wholeTextFallback`).
 */
export function extractAnswer(text: string, options: ExtractAnswerOptions = {}): ExtractedAnswer | undefined {
  const boxes = extractBoxed(text);
  const box = options.box === 'first' ? boxes[0] : boxes.at(-1);
  if (box !== undefined && box.trim() !== '') return { text: box.trim(), method: 'boxed' };
  const tagged = tagContents({ text, tag: 'answer', ignoreCase: true }).at(-1)?.trim();
  if (tagged) return { text: tagged, method: 'answer_tag' };
  const hashes = lastMatch(text, /####\s*([^\n]*)/g);
  if (hashes) return { text: hashes, method: 'hashes' };
  const answerIs = lastMatch(text, /answer is\s*:?\s*([^\n]*)/gi);
  if (answerIs) return { text: answerIs, method: 'answer_is' };
  if (options.wholeTextFallback && text.trim() !== '') return { text: text.trim(), method: 'whole_text' };
  const numbers = text.match(numberPattern);
  const lastNumber = numbers?.at(-1);
  if (lastNumber !== undefined) return { text: lastNumber, method: 'last_number' };
  return undefined;
}

/** The reference in a GSM8K solution is the text after its last `####`; other references are used as they are. */
export function referenceFromSolution(solution: string): string {
  const hashes = lastMatch(solution, /####\s*([^\n]*)/g);
  return hashes ?? solution.trim();
}
