import { tagContents } from './internal/tag-contents.ts';

/** Which rule found the answer; README's table gives each rule's priority. */
export type ExtractionMethod =
  | 'answer_tag'
  | 'boxed'
  | 'final_answer_is'
  | 'hashes'
  | 'answer_is'
  | 'latex'
  | 'whole_text'
  | 'last_number';

export interface ExtractedAnswer {
  text: string;
  method: ExtractionMethod;
  /** Whether only the text after `</think>` was searched. */
  afterThink: boolean;
}

export interface ExtractAnswerOptions {
  /** Which `\boxed{}` to take when there are several; `all` takes every one, as a set (`1, 2`). */
  box?: 'first' | 'last' | 'all';
  /** Use the whole text when no anchored rule matches (for `metadata.finalAnswer`, which is already an answer). */
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

/** Where a `$…$` holds prose rather than math (`costs $9 per day and $`): a word of 3+ letters outside a command. */
const proseWord = /(?:^|[^\\a-zA-Z])[a-zA-Z]{3,}/;

/**
 * Contents of every LaTeX math span, in order: `$$…$$`, `\[…\]`, `\(…\)`, and `$…$` on one line (not `\$`, not
 * after a digit). One pass: an opener whose closer never comes ends the search for that kind.
 */
export function latexSpans(text: string): string[] {
  const spans: string[] = [];
  const exhausted = new Set<string>();
  let index = 0;
  while (index < text.length) {
    const character = text[index];
    if (character === '\\' && (text[index + 1] === '[' || text[index + 1] === '(')) {
      const closer = text[index + 1] === '[' ? '\\]' : '\\)';
      const end = exhausted.has(closer) ? -1 : text.indexOf(closer, index + 2);
      if (end < 0) {
        exhausted.add(closer);
        index += 2;
        continue;
      }
      spans.push(text.slice(index + 2, end));
      index = end + 2;
    } else if (character === '\\') {
      index += 2;
    } else if (character === '$' && text[index + 1] === '$') {
      const end = exhausted.has('$$') ? -1 : text.indexOf('$$', index + 2);
      if (end < 0) {
        exhausted.add('$$');
        index += 2;
        continue;
      }
      spans.push(text.slice(index + 2, end));
      index = end + 2;
    } else if (character === '$' && !/\d/.test(text[index - 1] ?? '')) {
      let end = index + 1;
      while (end < text.length && text[end] !== '$' && text[end] !== '\n') end += text[end] === '\\' ? 2 : 1;
      if (text[end] !== '$') {
        index = end;
        continue;
      }
      const content = text.slice(index + 1, end);
      // `\text{ cm}`, `\begin{pmatrix}`, `\operatorname{lcm}`: words inside a command's argument are math.
      const math = content.replace(/\\[a-zA-Z]+\*?\s*\{[a-zA-Z\s*]*\}/g, '');
      if (content.trim() !== '' && !proseWord.test(math)) {
        spans.push(content);
        index = end + 1;
      } else {
        index = end;
      }
    } else {
      index += 1;
    }
  }
  return spans.map((span) => span.trim()).filter((span) => span !== '');
}

/** The answer in the text after an anchor ("final answer is", "####"): its first math span, else its first clause. */
function answerAfterAnchor(rest: string): string | undefined {
  const line = rest.split('\n', 1)[0] ?? '';
  const boxes = extractBoxed(line);
  if (boxes[0] !== undefined && boxes[0].trim() !== '') return boxes[0].trim();
  // Markdown emphasis and code around the answer: `**5**`, `*5*`, `` `5` ``.
  const trimmed = line.trim().replace(/^[*_`]+\s*/, '');
  if (/^(?:\$|\\\[|\\\()/.test(trimmed)) {
    const [span] = latexSpans(trimmed);
    if (span !== undefined) return span;
  }
  // "9. I hope it is correct." / "9, because …": the first clause.
  const clause = trimmed.split(/[.,;!]\s+(?=[A-Za-z])|\s+(?:because|since|which|as)\s+/i, 1)[0] ?? '';
  const answer = clause
    .replace(/[*_`]+$/, '')
    .replace(/[.;:!]+$/, '')
    .replace(/[*_`]+$/, '')
    .trim();
  return answer === '' ? undefined : answer;
}

function lastAnchored(text: string, anchor: RegExp): string | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of text.matchAll(anchor)) last = match;
  if (last === undefined) return undefined;
  return answerAfterAnchor(text.slice((last.index ?? 0) + last[0].length));
}

/** Only the last this-many characters of a reply are searched (a 32k-token reply is about 128 KB; answers come last). */
export const maxSearchLength = 200_000;

export interface AnswerRegion {
  text: string;
  afterThink: boolean;
  /** A `<think>` that never closed: the model was still thinking (e.g. cut off at max tokens), so there is no answer. */
  unclosedThink: boolean;
}

/**
 * The part of a reply that may hold the answer: after the last `</think>` (none when a `<think>` never closed),
 * at most its last `maxSearchLength` characters.
 */
export function answerRegion(text: string): AnswerRegion {
  const close = text.lastIndexOf('</think>');
  if (close >= 0) {
    return {
      text: text.slice(close + '</think>'.length).slice(-maxSearchLength),
      afterThink: true,
      unclosedThink: false,
    };
  }
  if (/<think>/i.test(text)) return { text: '', afterThink: false, unclosedThink: true };
  return { text: text.slice(-maxSearchLength), afterThink: false, unclosedThink: false };
}

/**
 * Finds the answer in a model's reply, rule by rule (README: "Extraction"): inside the last `<answer>…</answer>`
 * when there is one, after the last `</think>`: `\boxed{}` (last, first or all), "final answer is …", `#### …`,
 * "answer is …" / "answer: …", the last LaTeX math span, the whole text (with `wholeTextFallback`), the last number.
 */
export function extractAnswer(text: string, options: ExtractAnswerOptions = {}): ExtractedAnswer | undefined {
  const region = answerRegion(text);
  const found = (answer: string | undefined, method: ExtractionMethod): ExtractedAnswer | undefined =>
    answer === undefined || answer.trim() === ''
      ? undefined
      : { text: answer.trim(), method, afterThink: region.afterThink };
  const tagged = tagContents({ text: region.text, tag: 'answer', ignoreCase: true }).at(-1);
  const search = tagged?.trim() ? tagged : region.text;
  const boxes = extractBoxed(search).filter((box) => box.trim() !== '');
  const box = options.box === 'all' ? boxes.join(', ') : options.box === 'first' ? boxes[0] : boxes.at(-1);
  return (
    found(box, 'boxed') ??
    found(lastAnchored(search, /final answer\s*(?:is\b|:)\s*:?/gi), 'final_answer_is') ??
    found(lastAnchored(search, /####/g), 'hashes') ??
    found(lastAnchored(search, /\banswer(?: is|:)\s*:?/gi), 'answer_is') ??
    (tagged?.trim() ? found(tagged, 'answer_tag') : undefined) ??
    found(latexSpans(search).at(-1), 'latex') ??
    (options.wholeTextFallback ? found(search, 'whole_text') : undefined) ??
    found(search.match(numberPattern)?.at(-1), 'last_number')
  );
}

/**
 * The reference in a solution: a GSM8K solution's text after its last `####`, a MATH solution's last `\boxed{}`;
 * other references are used as they are.
 */
export function referenceFromSolution(solution: string): string {
  const hashes = lastAnchored(solution, /####/g);
  if (hashes !== undefined) return hashes;
  const box = extractBoxed(solution).at(-1);
  return box?.trim() ? box.trim() : solution.trim();
}
