import { readFileSync } from 'node:fs';
import type { Backbone, ChatMessage, TrainingSample } from '@ajet/spec';
import { buildWordList, createTinyLm, IM_END, renderChat, type TinyLmBackbone, TinyTokenizer } from '@ajet/tinylm';
import { parseExpression, runCalculator, toYaml } from '@ajet/tools';
import { parse } from 'csv-parse/sync';

/** The calculator tutorial's system prompt; the tutorial YAML holds the same text (a test checks it). */
export const CALCULATOR_SYSTEM_PROMPT =
  'You are a calculator agent. Call the calculator with YAML inside <calculator></calculator> tags, then give the final answer.';

export interface CalculatorRow {
  question: string;
  expression: string;
  /** Recomputed exactly from the expression (5 upstream rows have a broken answer cell). */
  answer: string;
}

/** Reads `question,expression,answer` rows (the upstream CSV has a space after commas). */
export function readCalculatorCsv(file: string): CalculatorRow[] {
  const records = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<
    string,
    string
  >[];
  return records.map((record) => {
    const expression = (record.expression ?? '').replace(/^"|"$/g, '');
    return { question: record.question ?? '', expression, answer: runCalculator(expression) };
  });
}

/** A question and its expression, with the answer computed exactly from the expression. */
export function calculatorRow(row: { question: string; expression: string }): CalculatorRow {
  return { question: row.question, expression: row.expression, answer: runCalculator(row.expression) };
}

/** The rows of a JSONL of {"question", "expression"} lines; a bad line throws naming the file and its line number. */
export function readCalculatorJsonl(file: string): CalculatorRow[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      if (!line.trim()) return [];
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        throw new Error(`${file} line ${index + 1}: not JSON (${(error as Error).message})`);
      }
      const { question, expression } = (row ?? {}) as Record<string, unknown>;
      if (typeof question !== 'string' || typeof expression !== 'string')
        throw new Error(`${file} line ${index + 1}: expected {"question": "...", "expression": "..."} with strings`);
      return [calculatorRow({ question, expression })];
    });
}

function hash(text: string, seed: number): number {
  let value = 0x811c9dc5 ^ seed;
  for (const character of text) value = Math.imul(value ^ (character.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return value >>> 0;
}

/** A fixed held-out split by expression (no expression in both), `fraction` of the expressions. */
export function splitRows(rows: readonly CalculatorRow[], options: { seed: number; fraction: number }) {
  const held = (row: CalculatorRow) => hash(row.expression, options.seed) / 2 ** 32 < options.fraction;
  return { train: rows.filter((row) => !held(row)), validation: rows.filter(held) };
}

const MIXED_CHAIN = /^\d+(?:\.\d+)?(?:[-+]\d+(?:\.\d+)?)+$/;

/** How a demonstration writes its call. */
export interface GoldCallOptions {
  /**
   * Write a chain of plain numbers that mixes plus and minus as one `add` over signed operands (`a+b-c-d` is
   * `add: [a, b, -c, -d]`), so each operand's sign comes from the word in front of its number. Without it the
   * call nests as `parseExpression` does (`subtract: [add: [a, b], c, d]`), and the decoder has to write the
   * outermost operation first, which means planning the whole chain before its first token.
   */
  signedSums?: boolean;
}

/** The YAML call a demonstration writes for an expression. */
export function goldCall(expression: string, options: GoldCallOptions = {}): string {
  const compact = expression.replace(/\s+/g, '');
  if (options.signedSums && MIXED_CHAIN.test(compact) && compact.includes('+') && compact.includes('-')) {
    const terms = compact.match(/[-+]?\d+(?:\.\d+)?/g) ?? [];
    return toYaml({ operation: 'add', operands: terms.map((term) => Number(term)) });
  }
  return toYaml(parseExpression(expression));
}

/** The whole demonstration conversation: question, gold call, the tool's output, the answer. */
export function demonstration(row: CalculatorRow, options: GoldCallOptions = {}): ChatMessage[] {
  return [
    { role: 'system', content: CALCULATOR_SYSTEM_PROMPT },
    { role: 'user', content: row.question },
    { role: 'assistant', content: `<calculator>\n${goldCall(row.expression, options)}</calculator>` },
    { role: 'user', content: `<output>${row.answer}</output>` },
    { role: 'assistant', content: `The answer is ${row.answer}.` },
  ];
}

/** The pretraining vocabulary: words seen at least 3 times in the demonstrations, plus the chat and tool tags. */
export function buildCalculatorTokenizer(rows: readonly CalculatorRow[], options: GoldCallOptions = {}): TinyTokenizer {
  const texts = [
    ...rows.flatMap((row) => demonstration(row, options).map((message) => message.content)),
    CALCULATOR_SYSTEM_PROMPT,
  ];
  const words = buildWordList({
    texts,
    minCount: 3,
    always: [
      'system',
      'user',
      'assistant',
      'tool',
      '<calculator>',
      '</calculator>',
      '<output>',
      '</output>',
      'operation',
      'operands',
    ],
  });
  return new TinyTokenizer({ pointers: 40, words });
}

/**
 * Tokenizes a demonstration the way a rollout records it: prompt, sampled turn, tool reply, sampled turn. Only
 * the two assistant turns have loss mask 1.
 */
export async function demonstrationSample(
  backbone: TinyLmBackbone,
  row: CalculatorRow,
  options: GoldCallOptions = {},
): Promise<TrainingSample> {
  const messages = demonstration(row, options);
  // Rendered with the tokenizer, not backbone.renderChat: a demonstration may run past the model's context (the
  // caller drops those), which the backbone's request checks refuse.
  const { tokenizer } = backbone;
  const prompt = renderChat({ tokenizer, messages: messages.slice(0, 2), addGenerationPrompt: true });
  const firstTurn = [...tokenizer.encode(messages[2]?.content ?? '', tokenizer.tableOf(prompt)), IM_END];
  const sequence = [...prompt, ...firstTurn];
  const increment = renderChat({
    tokenizer,
    messages: messages.slice(0, 4),
    addGenerationPrompt: true,
    prefix: { tokenIds: sequence, messageCount: 3 },
  });
  const beforeSecond = [...sequence, ...increment];
  const secondTurn = [...tokenizer.encode(messages[4]?.content ?? '', tokenizer.tableOf(beforeSecond)), IM_END];
  const tokenIds = [...beforeSecond, ...secondTurn];
  const lossMask = [
    ...prompt.map(() => 0),
    ...firstTurn.map(() => 1),
    ...increment.map(() => 0),
    ...secondTurn.map(() => 1),
  ];
  return { tokenIds, lossMask, samplerLogprobs: tokenIds.map(() => 0), advantage: 0 };
}

/** The held-out 10% of the calculator CSV's expressions: pretraining never sees them; the benchmark scores on them. */
export const HOLDOUT = { seed: 7, fraction: 0.1 };

/**
 * The CSV's held-out rows (`HOLDOUT`) in file order, as the tutorial ships them (`data/heldout_csv.jsonl`, written by
 * `scripts/make_heldout_csv.ts`): question, expression and the answer computed exactly from the expression.
 */
export function heldOutCsvRows(csvFile: string): CalculatorRow[] {
  return splitRows(readCalculatorCsv(csvFile), HOLDOUT).validation.map(({ question, expression, answer }) => ({
    question,
    expression,
    answer,
  }));
}

/**
 * Runs the calculator agent on `rows` with the backbone directly (call, tool reply, answer) and returns the share
 * answered correctly. Greedy at temperature 0; seeded sampling otherwise.
 */
export async function evaluateCalculatorAgent(options: {
  backbone: Backbone;
  rows: readonly CalculatorRow[];
  temperature: number;
  seed?: number;
}): Promise<{ accuracy: number; correct: boolean[]; sampledTokens: number; seconds: number }> {
  const { backbone, rows, temperature } = options;
  const { maxModelLen } = (await backbone.getInfo()).capabilities;
  const started = performance.now();
  const correct = rows.map(() => false);
  let sampledTokens = 0;
  for (const [index, row] of rows.entries()) {
    const seed = (options.seed ?? 0) * 100_003 + index;
    const messages = demonstration(row).slice(0, 2);
    const prompt = (await backbone.renderChat({ messages })).tokenIds;
    if (prompt.length + 8 >= maxModelLen) continue;
    const [call] = (await backbone.sample({ promptIds: prompt, sampling: { temperature, maxTokens: 160, seed } }))
      .completions;
    if (!call) continue;
    sampledTokens += call.tokenIds.length;
    const body = /<calculator>([\s\S]*?)<\/calculator>/.exec(call.text)?.[1];
    if (body === undefined) continue;
    const sequence = [...prompt, ...call.tokenIds];
    const withReply: ChatMessage[] = [
      ...messages,
      { role: 'assistant', content: call.text },
      { role: 'user', content: `<output>${runCalculator(body)}</output>` },
    ];
    const increment = (
      await backbone.renderChat({ messages: withReply, prefix: { tokenIds: sequence, messageCount: 3 } })
    ).tokenIds;
    if (sequence.length + increment.length + 8 >= maxModelLen) continue;
    const [answer] = (
      await backbone.sample({
        promptIds: [...sequence, ...increment],
        sampling: { temperature, maxTokens: 40, seed: seed + 1 },
      })
    ).completions;
    sampledTokens += answer?.tokenIds.length ?? 0;
    correct[index] = answer !== undefined && isClose(lastNumber(answer.text), Number(row.answer));
  }
  return {
    accuracy: correct.filter(Boolean).length / Math.max(1, rows.length),
    correct,
    sampledTokens,
    seconds: (performance.now() - started) / 1000,
  };
}

/** For each row, how many of the sampled episodes (one per seed, at `temperature`) answered it right. */
export async function sampledSuccesses(options: {
  backbone: Backbone;
  rows: readonly CalculatorRow[];
  temperature: number;
  seeds: readonly number[];
}): Promise<number[]> {
  const successes = options.rows.map(() => 0);
  for (const seed of options.seeds) {
    const { correct } = await evaluateCalculatorAgent({ ...options, seed });
    for (const [index, right] of correct.entries()) if (right) successes[index] = (successes[index] ?? 0) + 1;
  }
  return successes;
}

/**
 * What GRPO could learn from on a split, and what it changed: the warm start's greedy misses, those of them some
 * sampled episode answered right (`successes[i] > 0`; a group whose episodes all fail has no reward to follow), and,
 * with `greedyAfter`, the rows GRPO turned right or wrong, each with its warm-start sampled successes.
 */
export function greedyReach(options: {
  greedyBefore: readonly boolean[];
  successes: readonly number[];
  greedyAfter?: readonly boolean[];
}): {
  misses: number;
  reachableMisses: number;
  gained: number[];
  lost: number[];
} {
  const { greedyBefore, successes, greedyAfter } = options;
  const misses = greedyBefore.flatMap((right, index) => (right ? [] : [index]));
  const changed = (from: boolean) =>
    greedyAfter === undefined
      ? []
      : greedyBefore.flatMap((right, index) =>
          right === from && greedyAfter[index] === !from ? [successes[index] ?? 0] : [],
        );
  return {
    misses: misses.length,
    reachableMisses: misses.filter((index) => (successes[index] ?? 0) > 0).length,
    gained: changed(false),
    lost: changed(true),
  };
}

/**
 * The CSV's training rows (its held-out 10% left out, each expression once) as chat demonstrations, each call
 * written as the shipped warm starts were taught (`signedSums`): the calculator tutorial's `algorithm.ptx` data.
 */
export function csvDemonstrations(csvFile: string): ChatMessage[][] {
  const rows = distinctRows(splitRows(readCalculatorCsv(csvFile), HOLDOUT).train);
  return rows.map((row) => demonstration(row, { signedSums: true }));
}

/** The rows with their first occurrence of each expression (the upstream CSV repeats some rows). */
export function distinctRows(rows: readonly CalculatorRow[]): CalculatorRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => !seen.has(row.expression) && Boolean(seen.add(row.expression)));
}

/**
 * Greedy accuracy and sampled accuracy at `temperature` (the mean over one sample a row per seed) of a model
 * folder or `builtin:` name, with the greedy run's sampling speed.
 */
export async function scoreCalculatorAgent(options: {
  modelPath: string;
  rows: readonly CalculatorRow[];
  temperature: number;
  sampleSeeds: readonly number[];
}): Promise<{ greedy: number; greedyCorrect: boolean[]; sampled: number; greedyTokensPerSecond: number }> {
  const { rows, temperature } = options;
  const backbone = await createTinyLm({ modelPath: options.modelPath });
  const greedy = await evaluateCalculatorAgent({ backbone, rows, temperature: 0 });
  const successes = await sampledSuccesses({ backbone, rows, temperature, seeds: options.sampleSeeds });
  const sampledRight = successes.reduce((total, count) => total + count, 0);
  return {
    greedy: greedy.accuracy,
    greedyCorrect: greedy.correct,
    sampled: sampledRight / Math.max(1, rows.length * options.sampleSeeds.length),
    greedyTokensPerSecond: greedy.sampledTokens / greedy.seconds,
  };
}

/**
 * The kind of question an expression answers, for accuracy by kind: `groups` (sums and products combined),
 * `mixed +/-` (a chain of both), or `chain` (one operation over a list of numbers).
 */
export function expressionKind(expression: string): 'groups' | 'mixed +/-' | 'chain' {
  const additive = /\d\s*[-+]/.test(expression);
  if (expression.includes('(') || (additive && /[*/]/.test(expression))) return 'groups';
  return /\d\s*\+/.test(expression) && /\d\s*-/.test(expression) ? 'mixed +/-' : 'chain';
}

/** The last number in a reply. */
export function lastNumber(text: string): number | undefined {
  const matches = text.replace(/,(?=\d{3})/g, '').match(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi);
  return matches ? Number(matches.at(-1)) : undefined;
}

export function isClose(prediction: number | undefined, reference: number): boolean {
  if (prediction === undefined || !Number.isFinite(prediction)) return false;
  return Math.abs(prediction - reference) <= Math.max(0.1, 1e-6 * Math.abs(reference));
}

/** Every number written in a question or an expression (digits, an optional decimal part). */
export const NUMBER = /\d+(?:\.\d+)?/g;

/**
 * New rows with the same wording and structure as `row` and other numbers: each distinct number of the question
 * becomes a random one of the same digit count, in the question and the expression alike, and the answer is
 * recomputed. Rows whose expression holds a number the question does not (or the other way round) give none.
 */
export function numberVariants(row: CalculatorRow, count: number, random: () => number): CalculatorRow[] {
  const inQuestion = row.question.match(NUMBER) ?? [];
  const inExpression = row.expression.match(NUMBER) ?? [];
  if (inQuestion.length === 0 || [...inQuestion].sort().join() !== [...inExpression].sort().join()) return [];
  const distinct = [...new Set(inQuestion)];
  const variants: CalculatorRow[] = [];
  for (let attempt = 0; variants.length < count && attempt < count * 3; attempt++) {
    const used = new Set<string>();
    const mapping = new Map<string, string>();
    for (const original of distinct) {
      let replacement = original;
      for (let tries = 0; tries < 20 && (replacement === original || used.has(replacement)); tries++)
        replacement = randomLike(original, random);
      used.add(replacement);
      mapping.set(original, replacement);
    }
    const substitute = (text: string) => text.replace(NUMBER, (match) => mapping.get(match) ?? match);
    const expression = substitute(row.expression);
    const answer = runCalculator(expression);
    if (answer.startsWith('Error')) continue;
    variants.push({ question: substitute(row.question), expression, answer });
  }
  return variants;
}

/** A random number written like `example`: the same digits before and after the point, no leading zero. */
function randomLike(example: string, random: () => number): string {
  const digit = (first: boolean) => String(first ? 1 + Math.floor(random() * 9) : Math.floor(random() * 10));
  const [whole = '', fraction] = example.split('.');
  const head = Array.from({ length: whole.length }, (_, index) => digit(index === 0 && whole.length > 1)).join('');
  return fraction === undefined ? head : `${head}.${Array.from(fraction, () => digit(false)).join('')}`;
}
