// Questions in the calculator CSV's styles, from our own templates and random numbers (scripts/pretrain_tinylm.ts
// --csv-like N). The CSV teaches each of its structures in a few fixed phrasings and number families; the held-out
// 10% of its expressions are mostly those structures said another way (error analysis: packages/tinylm/README.md).
// These templates cover the same structures (steps applied in turn, sums of products, products and quotients of
// groups, long lists and mixed chains, a last operation applied to any of them) in many phrasings, with numbers of
// 1 to 9 digits, so the policy learns to parse the structure rather than the row. No row is copied from the CSV.
import { createRandom } from '@ajet/spec';
import { type CalculatorRow, calculatorRow, NUMBER } from './calculator-demonstrations.ts';

type Random = () => number;
type Op = '+' | '-' | '*' | '/';

const pick = <Item>(random: Random, items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
const between = (random: Random, low: number, high: number) => low + Math.floor(random() * (high - low + 1));

/** A number of 1 to 9 digits, mostly 2 to 6; now and then a patterned one like the CSV's (1111, 123456, 987654). */
function num(random: Random, digits?: number): number {
  const size = digits ?? pick(random, [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7, 9]);
  if (random() < 0.1) {
    const start = between(random, 1, 9);
    const kind = random();
    const text = Array.from({ length: size }, (_, index) =>
      kind < 0.4 ? start : kind < 0.7 ? (start + index) % 10 : (start + 9 * 10 - index) % 10,
    ).join('');
    if (!text.startsWith('0')) return Number(text);
  }
  const low = 10 ** (size - 1);
  return size === 1 ? between(random, 1, 9) : low + Math.floor(random() * 9 * low);
}
/** Numbers for a question: one size for all of them half the time (the CSV's families), mixed otherwise. */
function nums(random: Random, count: number): number[] {
  const size = random() < 0.5 ? pick(random, [2, 3, 3, 4, 4, 5, 5, 6]) : undefined;
  return Array.from({ length: count }, () => num(random, size));
}

const WORD: Record<Op, readonly string[]> = {
  '+': ['plus', 'plus', 'added to', 'increased by'],
  '-': ['minus', 'minus', 'reduced by', 'decreased by'],
  '*': ['times', 'multiplied by', 'multiplied by'],
  '/': ['divided by'],
};
const SYMBOL: Record<Op, readonly string[]> = { '+': ['+'], '-': ['-'], '*': ['×', '*'], '/': ['÷', '/'] };
const PRECEDENCE: Record<Op, number> = { '+': 1, '-': 1, '*': 2, '/': 2 };
/** A step applied to what came before: `add 5`, `multiply by 5` (imperative) and `adding 5` (gerund). */
const STEP: Record<Op, readonly [string, string][]> = {
  '+': [
    ['add', 'adding'],
    ['plus', 'adding'],
  ],
  '-': [
    ['subtract', 'subtracting'],
    ['minus', 'subtracting'],
  ],
  '*': [['multiply by', 'multiplying by']],
  '/': [['divide by', 'dividing by']],
};
const PASSIVE_STEP: Record<Op, readonly string[]> = {
  '+': ['plus', 'then added to', 'increased by'],
  '-': ['minus', 'reduced by', 'decreased by'],
  '*': ['multiplied by', 'times'],
  '/': ['divided by'],
};
const GROUP: Record<Op, readonly string[]> = {
  '+': ['the sum of'],
  '-': ['the difference of', 'the difference between'],
  '*': ['the product of'],
  '/': ['the quotient of'],
};
const OPEN = [
  'What is',
  "What's",
  'Calculate',
  'Compute',
  'How much is',
  'What is the result of',
  "What's the value of",
];
const end = (random: Random) => pick(random, ['?', '?', '']);

/** Steps applied in turn: ((a op b) op c) op d, said as a sequence of actions. */
function steps(random: Random): { question: string; expression: string } {
  const count = between(random, 2, 5);
  const values = nums(random, count + 1);
  const ops = Array.from({ length: count }, () => pick(random, ['+', '-', '*', '/'] as const));
  let expression = `${values[0]}`;
  let last: Op | undefined;
  for (const [index, op] of ops.entries()) {
    if (last !== undefined && PRECEDENCE[op] > PRECEDENCE[last]) expression = `(${expression})`;
    expression = `${expression}${op}${values[index + 1]}`;
    last = op;
  }
  const [a, b] = values;
  const first = ops[0] as Op;
  const rest = ops.slice(1).map((op, index) => ({ op, value: values[index + 2] }));
  const style = random();
  const joinSteps = (parts: string[]) =>
    parts.length === 1
      ? (parts[0] as string)
      : `${parts.slice(0, -1).join(', ')}${pick(random, [', then ', ', and then ', ' and then '])}${parts.at(-1)}`;
  if (style < 0.35) {
    const opening: Record<Op, string[]> = {
      '+': [`add ${a} and ${b}`, `add ${b} to ${a}`],
      '-': [`subtract ${b} from ${a}`],
      '*': [`multiply ${a} by ${b}`],
      '/': [`divide ${a} by ${b}`],
    };
    const parts = [
      pick(random, opening[first]),
      ...rest.map(({ op, value }) => `${pick(random, STEP[op])[0]} ${value}`),
    ];
    const [lead, tail] = pick(random, [
      ['If I ', ', what do I get?'],
      ['If you ', ', what is the result?'],
      ["What's the result when you ", '?'],
      ['What happens when you ', '?'],
      ['', ''],
    ] as const);
    const body = joinSteps(parts);
    return { question: `${lead}${lead ? body : body[0]?.toUpperCase() + body.slice(1)}${tail}`, expression };
  }
  if (style < 0.55) {
    const opening: Record<Op, string[]> = {
      '+': [`adding ${a} and ${b}`, `adding ${b} to ${a}`],
      '-': [`subtracting ${b} from ${a}`],
      '*': [`multiplying ${a} by ${b}`],
      '/': [`dividing ${a} by ${b}`],
    };
    const parts = [
      pick(random, opening[first]),
      ...rest.map(({ op, value }) => `${pick(random, STEP[op])[1]} ${value}`),
    ];
    return {
      question: `${pick(random, ["What's the result of ", 'What do you get by ', 'What is the outcome of '])}${joinSteps(parts)}?`,
      expression,
    };
  }
  if (style < 0.8) {
    const parts = [
      `${a} ${pick(random, WORD[first])} ${b}`,
      ...rest.map(({ op, value }) => `${pick(random, PASSIVE_STEP[op])} ${value}`),
    ];
    return { question: `${pick(random, OPEN)} ${parts.join(', ')}${end(random)}`, expression };
  }
  const opening: Record<Op, string[]> = {
    '+': [`${a} is added to ${b}`, `${a} is increased by ${b}`],
    '-': [`${a} is reduced by ${b}`, `${a} is decreased by ${b}`, `${b} is subtracted from ${a}`],
    '*': [`${a} is multiplied by ${b}`],
    '/': [`${a} is divided by ${b}`],
  };
  const parts = [
    pick(random, opening[first]),
    ...rest.map(({ op, value }) => `${pick(random, PASSIVE_STEP[op])} ${value}`),
  ];
  return {
    question: `${pick(random, ['When ', 'If '])}${joinSteps(parts)}${pick(random, [", what's the final value?", ', what do you get?', ", what's the result?"])}`,
    expression,
  };
}

/** A flat expression said in order with operator precedence, in words or symbols: `a plus b times c divided by d`. */
function flat(random: Random): { question: string; expression: string } {
  const count = between(random, 3, 6);
  const values = nums(random, count);
  const ops = Array.from({ length: count - 1 }, () => pick(random, ['+', '-', '*', '/'] as const));
  const symbols = random() < 0.3;
  const spoken = values
    .map((value, index) =>
      index === 0
        ? `${value}`
        : ` ${pick(random, symbols ? SYMBOL[ops[index - 1] as Op] : WORD[ops[index - 1] as Op].slice(0, 1).concat(ops[index - 1] === '*' ? ['multiplied by'] : []))} ${value}`,
    )
    .join('');
  const expression = values.map((value, index) => (index === 0 ? `${value}` : `${ops[index - 1]}${value}`)).join('');
  if (symbols && random() < 0.5) return { question: `If I compute ${spoken}, what result do I get?`, expression };
  return { question: `${pick(random, OPEN)} ${spoken}${end(random)}`, expression };
}

/** A small group: two to four numbers under one operation, said several ways. */
function group(random: Random, op: Op, style: 'words' | 'paren' | 'symbols'): { text: string; expression: string } {
  const count = op === '+' || op === '*' ? pick(random, [2, 2, 2, 3, 4]) : 2;
  const values = nums(random, count);
  const expression = values.join(op);
  if (style === 'symbols') return { text: `(${values.join(` ${pick(random, SYMBOL[op])} `)})`, expression };
  if (style === 'paren') return { text: `(${values.join(` ${WORD[op][0]} `)})`, expression };
  const listed =
    count === 2 ? `${values[0]} and ${values[1]}` : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
  if (op === '/') return { text: `the quotient of ${values[0]} divided by ${values[1]}`, expression };
  if (count === 2 && random() < 0.4) return { text: `${values[0]} ${WORD[op][0]} ${values[1]}`, expression };
  return { text: `${pick(random, GROUP[op])} ${listed}`, expression };
}

/** Groups combined: (a+b)*(c+d)/(e+f), a*b+c*d+e*f, the sum of a, b, c and the sum of d, e, f multiplied. */
function groups(random: Random): { question: string; expression: string } {
  const count = between(random, 2, 6);
  const style = pick(random, ['words', 'words', 'paren', 'symbols'] as const);
  const outerKind = random();
  if (outerKind < 0.35) {
    // A sum (or difference) of products or quotients.
    const inner = Array.from({ length: count }, () => pick(random, ['*', '*', '/'] as const));
    const outer = random() < 0.75 ? '+' : '-';
    const parts = inner.map((op) => {
      const [a, b] = nums(random, 2);
      return {
        text: `${a} ${style === 'words' ? pick(random, WORD[op].slice(0, 2)) : pick(random, SYMBOL[op])} ${b}`,
        expression: `${a}${op}${b}`,
      };
    });
    const expression = parts.map((part) => part.expression).join(outer);
    const listed = `${parts
      .slice(0, -1)
      .map((part) => part.text)
      .join(', ')}${pick(random, [', and ', ' and '])}${parts.at(-1)?.text}`;
    if (outer === '+' && random() < 0.6) {
      const question = pick(random, [
        `What's the sum of ${listed}?`,
        `What total do I get from adding ${listed}?`,
        `What's the grand total of ${listed} all added together?`,
        `Add up ${listed}`,
      ]);
      return { question, expression };
    }
    const word = style === 'symbols' ? SYMBOL[outer][0] : WORD[outer][0];
    return {
      question: `${pick(random, OPEN)} ${parts.map((part) => part.text).join(` ${word} `)}${end(random)}`,
      expression,
    };
  }
  // Groups multiplied and divided in turn, or multiplied together.
  const inner = Array.from({ length: count }, () => pick(random, ['+', '+', '-', '*', '/'] as const));
  const made = inner.map((op) => group(random, op, style));
  const together = outerKind < 0.55;
  const outer: Op[] = made.slice(1).map(() => (together ? '*' : pick(random, ['*', '/'] as const)));
  const wrap = (part: { expression: string }) => `(${part.expression})`;
  const expression = made
    .map((part, index) => (index === 0 ? wrap(part) : `${outer[index - 1]}${wrap(part)}`))
    .join('');
  if (together) {
    const listed = `${made
      .slice(0, -1)
      .map((part) => part.text)
      .join(pick(random, [', ', ' and ']))} and ${made.at(-1)?.text}`;
    return {
      question: `${pick(random, ['Find the product of', 'What is the product of', 'Multiply'])} ${listed}${end(random)}`,
      expression,
    };
  }
  const word = (op: Op) => (style === 'symbols' ? pick(random, SYMBOL[op]) : pick(random, WORD[op].slice(0, 2)));
  const comma = style === 'words' ? ',' : '';
  const spoken = made
    .map((part, index) => (index === 0 ? part.text : `${comma} ${word(outer[index - 1] as Op)} ${part.text}`))
    .join('');
  if (random() < 0.2 && count <= 3) {
    const rest = made
      .slice(1)
      .map(
        (part, index) =>
          `${index === made.length - 2 ? 'then ' : ''}${outer[index] === '*' ? 'multiplied' : 'divided'} by ${part.text}`,
      );
    return { question: `If ${made[0]?.text} is ${rest.join(', ')}, what's the result?`, expression };
  }
  const question = pick(random, [
    `${pick(random, OPEN)} ${spoken}${end(random)}`,
    `Compute the result of ${spoken}${end(random)}`,
    `What happens when ${spoken} is computed?`,
  ]);
  return { question, expression };
}

/** Long sums, products, chains of one operation and mixed plus/minus chains: up to 10 numbers. */
function lists(random: Random): { question: string; expression: string } {
  const count = between(random, 3, 10);
  const values = nums(random, count);
  const kind = random();
  const listed = `${values.slice(0, -1).join(', ')}${pick(random, [', and ', ' and '])}${values.at(-1)}`;
  if (kind < 0.3) {
    const question = pick(random, [
      `What's the sum of ${listed}?`,
      `What's the combined sum of ${listed}?`,
      `Add ${listed}`,
      `What is the total of ${listed}?`,
      `How much is ${values.join(' plus ')}?`,
      `Calculate ${values.join(' + ')}`,
    ]);
    return { question, expression: values.join('+') };
  }
  if (kind < 0.4) {
    const few = values.slice(0, between(random, 3, 4));
    const fewListed = `${few.slice(0, -1).join(', ')} and ${few.at(-1)}`;
    return {
      question: pick(random, [`What is the product of ${fewListed}?`, `Multiply ${fewListed}`]),
      expression: few.join('*'),
    };
  }
  if (kind < 0.55) {
    const [first, ...rest] = values;
    const restListed = `${rest.slice(0, -1).join(', ')}${rest.length > 1 ? ' and ' : ''}${rest.at(-1)}`;
    const question = pick(random, [
      `What is ${values.join(' minus ')}?`,
      `If I subtract ${rest.join(', ')} consecutively from ${first}, what remains?`,
      `Subtract ${restListed} from ${first}`,
      `Start with ${first} and take away ${restListed}. What is left?`,
    ]);
    return { question, expression: values.join('-') };
  }
  const ops = values.slice(1).map(() => pick(random, ['+', '-'] as const));
  const expression = values.map((value, index) => (index === 0 ? `${value}` : `${ops[index - 1]}${value}`)).join('');
  if (random() < 0.25) {
    // Decreased by several, then increased by several.
    const cut = between(random, 2, count - 1);
    const down = values.slice(1, cut);
    const up = values.slice(cut);
    const say = (items: number[]) =>
      items.length === 1 ? `${items[0]}` : `${items.slice(0, -1).join(', ')}, and ${items.at(-1)}`;
    return {
      question: `When ${values[0]} is decreased by ${say(down)}, then increased by ${say(up)}, what's the result?`,
      expression: `${values[0]}-${down.join('-')}+${up.join('+')}`,
    };
  }
  const symbols = random() < 0.3;
  const spoken = values
    .map((value, index) =>
      index === 0
        ? `${value}`
        : ` ${symbols ? ops[index - 1] : pick(random, WORD[ops[index - 1] as Op].slice(0, 1))} ${value}`,
    )
    .join('');
  return {
    question: symbols
      ? `If I compute ${spoken}, what result do I get?`
      : `${pick(random, OPEN)} ${spoken}${end(random)}`,
    expression,
  };
}

/** One of the other kinds with a last operation applied to all of it: `…, divided by 24?`, `X minus the quotient of …`. */
function withLast(random: Random): { question: string; expression: string } {
  const base = pick(random, [lists, groups, flat])(random);
  const op = pick(random, ['+', '-', '*', '/'] as const);
  const value = num(random);
  const body = base.question
    .replace(
      /^(What is|What's|Calculate|Compute|How much is|What is the result of|What's the value of|Find|What's the sum of|What is the product of) /,
      '',
    )
    .replace(/[?.]$/, '');
  const opening = /^(What|Calculate|Compute|How|Find)/.test(base.question) ? base.question.split(' ')[0] : undefined;
  if (opening === undefined || body === base.question.replace(/[?.]$/, '')) {
    // A group and a number: X minus the quotient of A divided by B, A multiplied by the sum of B and C.
    const made = group(random, pick(random, ['+', '-', '*', '/'] as const), 'words');
    const first = random() < 0.5;
    const expression = first ? `${value}${op}(${made.expression})` : `(${made.expression})${op}${value}`;
    const text = first
      ? `${value} ${pick(random, WORD[op].slice(0, 2))} ${made.text}`
      : `${made.text}, ${pick(random, PASSIVE_STEP[op])} ${value}`;
    return { question: `${pick(random, OPEN)} ${text}${end(random)}`, expression };
  }
  const prefix = base.question.slice(0, base.question.length - body.length - (/[?.]$/.test(base.question) ? 1 : 0));
  return {
    question: `${prefix}${body}, ${pick(random, PASSIVE_STEP[op])} ${value}${end(random)}`,
    expression: `(${base.expression})${op}${value}`,
  };
}

/** Two-number questions in the CSV's wordings, numbers of 1 to 9 digits. */
function pair(random: Random): { question: string; expression: string } {
  const op = pick(random, ['+', '-', '*', '/'] as const);
  const [a, b] = nums(random, 2);
  const forms: Record<Op, string[]> = {
    '+': [
      `What is ${a} plus ${b}?`,
      `How much is ${a} plus ${b}?`,
      `Add ${a} and ${b} together`,
      `What happens when you add ${a} and ${b}?`,
      `What's the sum of ${a} and ${b}?`,
      `What happens when you combine ${a} and ${b}?`,
    ],
    '-': [
      `What is ${a} minus ${b}?`,
      `Compute ${a} minus ${b}`,
      `What is ${a} reduced by ${b}?`,
      `Subtract ${b} from ${a}`,
      `What is ${a} - ${b}?`,
    ],
    '*': [
      `Calculate ${a} multiplied by ${b}`,
      `Find the product of ${a} and ${b}?`,
      `What do you get when ${a} is multiplied by ${b}?`,
      `Multiply ${a} by ${b} and tell me the answer`,
      `What's ${a} × ${b}?`,
    ],
    '/': [
      `Calculate ${a} divided by ${b}`,
      `Find the quotient of ${a} divided by ${b}`,
      `If ${a} is divided by ${b}, what do you get?`,
      `If you divide ${a} by ${b}, what's the quotient?`,
      `What's ${a} ÷ ${b}?`,
    ],
  };
  return { question: pick(random, forms[op]), expression: `${a}${op}${b}` };
}

/**
 * `count` questions in the calculator CSV's styles (seeded), each with its exact answer; none divides by zero. Kinds:
 * steps in turn 30%, groups combined 25%, lists and chains 15%, a last operation on one of those 15%, flat
 * expressions with precedence 10%, two numbers 5%.
 */
export function generateCsvLikeQuestions(options: {
  seed: number;
  count: number;
  minNumbers?: number;
  /** The share of questions (0 to 1) whose numbers repeat: see `withRepeatedNumbers`. 0 (the default) leaves the stream as it was. */
  repeats?: number;
}): CalculatorRow[] {
  const random = createRandom(options.seed);
  // Its own stream, so that repeats: 0 gives the rows it gave before the option existed.
  const repeatRandom = createRandom(options.seed + 7_919);
  const repeats = options.repeats ?? 0;
  if (!(repeats >= 0 && repeats <= 1))
    throw new Error(`generateCsvLikeQuestions: repeats ${repeats} is not a share between 0 and 1 (--csv-like-repeats)`);
  const rows: CalculatorRow[] = [];
  // Questions of more numbers than the templates make would be searched for forever: give up after this many tries.
  const tries = 1000 * options.count + 10_000;
  for (let attempt = 0; rows.length < options.count; attempt++) {
    if (attempt === tries)
      throw new Error(
        `generateCsvLikeQuestions: ${rows.length} of ${options.count} questions of ${options.minNumbers} or more numbers after ${tries} tries; the templates seldom go past 16 numbers: ask for fewer (--csv-like-min-numbers)`,
      );
    const roll = random();
    const made =
      roll < 0.3
        ? steps(random)
        : roll < 0.55
          ? groups(random)
          : roll < 0.7
            ? lists(random)
            : roll < 0.85
              ? withLast(random)
              : roll < 0.95
                ? flat(random)
                : pair(random);
    const row = calculatorRow(repeats > 0 && repeatRandom() < repeats ? withRepeatedNumbers(made, repeatRandom) : made);
    // minNumbers: only questions of that many numbers or more (the same stream of questions, the shorter skipped).
    const numbers = row.expression.match(NUMBER)?.length ?? 0;
    if (!row.answer.startsWith('Error') && Number.isFinite(Number(row.answer)) && numbers >= (options.minNumbers ?? 0))
      rows.push(row);
  }
  return rows;
}

/**
 * The question with some of its numbers replaced, everywhere they occur, by another of its numbers, so that a number
 * comes back later in the question (`987 times 654, 321 times 654, 987 times 321`; `a - b - c + a + b + c`). The
 * held-out CSV split asks 17 such questions of 174 and the warm starts answered 3 of them (2026-12-04): a repeated
 * number is written the second time as a pointer alone (packages/tinylm/src/tokenizer.ts), which the templates'
 * fresh random numbers seldom teach. Questions of fewer than 3 distinct numbers, or whose numbers the expression does
 * not use as the question says them, come back as they are.
 */
export function withRepeatedNumbers(
  made: { question: string; expression: string },
  random: Random,
): { question: string; expression: string } {
  const inQuestion = made.question.match(NUMBER) ?? [];
  const inExpression = made.expression.match(NUMBER) ?? [];
  if ([...inQuestion].sort().join() !== [...inExpression].sort().join()) return made;
  const distinct = [...new Set(inQuestion)];
  if (distinct.length < 3) return made;
  const mapping = new Map<string, string>();
  const replacements = between(random, 1, Math.max(1, Math.floor(distinct.length / 2)));
  for (let index = 0; index < replacements; index++) {
    // A number after the first is replaced by an earlier one that is not itself replaced.
    const target = between(random, 1, distinct.length - 1);
    const kept = distinct.slice(0, target).filter((value) => !mapping.has(value));
    const value = distinct[target] as string;
    if (kept.length === 0 || mapping.has(value)) continue;
    mapping.set(value, pick(random, kept));
  }
  const substitute = (text: string) => text.replace(NUMBER, (match) => mapping.get(match) ?? match);
  return { question: substitute(made.question), expression: substitute(made.expression) };
}
