// Writes the tutorial's data: arithmetic questions in plain English with their exact answers, from our own
// templates, seeded, so the tutorial ships its data. Run: pnpm exec tsx make-data.ts
//   data/demonstrations.jsonl  one- and two-step questions: part of the warm start's supervised data
//   data/train.jsonl           longer questions (chains, lists, two groups) the warm start never saw: GRPO's tasks
//   data/validation.jsonl      more of the same, other numbers
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRandom } from '@ajet/spec';

type Random = () => number;

interface Question {
  question: string;
  /** Arithmetic in the calculator CSV's style: `*`, `/`, `+`, `-`, parentheses. */
  expression: string;
}

const pick = <Item>(random: Random, items: readonly Item[]): Item => items[Math.floor(random() * items.length)] as Item;
const number = (random: Random, digits: number): number => {
  const low = 10 ** (digits - 1);
  return low + Math.floor(random() * (9 * low));
};

const TWO_OPERANDS: Record<string, readonly ((a: number, b: number) => string)[]> = {
  '+': [
    (a, b) => `What is ${a} plus ${b}?`,
    (a, b) => `What's the result of ${a} plus ${b}?`,
    (a, b) => `Add ${a} and ${b}.`,
    (a, b) => `How much is ${a} added to ${b}?`,
    (a, b) => `What is the sum of ${a} and ${b}?`,
  ],
  '-': [
    (a, b) => `What is ${a} minus ${b}?`,
    (a, b) => `Compute ${a} minus ${b}`,
    (a, b) => `If I subtract ${b} from ${a}, what's left?`,
    (a, b) => `What is the difference between ${a} and ${b}?`,
  ],
  '*': [
    (a, b) => `What is ${a} multiplied by ${b}?`,
    (a, b) => `What is the product of ${a} and ${b}?`,
    (a, b) => `Multiply ${a} by ${b} and tell me the result`,
    (a, b) => `What's ${a} times ${b}?`,
  ],
  '/': [
    (a, b) => `Calculate ${a} divided by ${b}`,
    (a, b) => `What is ${a} divided by ${b}?`,
    (a, b) => `How many times does ${b} go into ${a}?`,
    (a, b) => `Divide ${a} by ${b}.`,
  ],
};

const WORDS: Record<string, string> = { '+': 'plus', '-': 'minus', '*': 'times', '/': 'divided by' };

function twoOperand(random: Random): Question {
  const operator = pick(random, ['+', '-', '*', '/']);
  const a = number(random, 2 + Math.floor(random() * 4));
  const b = number(
    random,
    operator === '*' || operator === '/' ? 2 + Math.floor(random() * 2) : 2 + Math.floor(random() * 4),
  );
  return { question: pick(random, TWO_OPERANDS[operator] ?? [])(a, b), expression: `${a}${operator}${b}` };
}

function chain(random: Random): Question {
  const operator = pick(random, ['+', '-']);
  const count = 3 + Math.floor(random() * 2);
  const values = Array.from({ length: count }, () => number(random, 3 + Math.floor(random() * 3)));
  const word = WORDS[operator] ?? operator;
  return {
    question: `How much is ${values.join(` ${word} `)}?`,
    expression: values.join(operator),
  };
}

function nested(random: Random): Question {
  const inner = pick(random, ['+', '-']);
  const outer = pick(random, ['*', '/']);
  const a = number(random, 3 + Math.floor(random() * 2));
  const b = number(random, 2 + Math.floor(random() * 3));
  const c = number(random, 2);
  const innerWord = inner === '+' ? 'the sum of' : 'the difference of';
  const question =
    outer === '*'
      ? pick(random, [
          `What is ${innerWord} ${a} and ${b}, multiplied by ${c}?`,
          `Compute ${a} ${WORDS[inner]} ${b}, then multiply by ${c}`,
        ])
      : pick(random, [
          `What is ${a} ${WORDS[inner]} ${b}, divided by ${c}?`,
          `Calculate ${innerWord} ${a} and ${b}, divided by ${c}`,
        ]);
  return { question, expression: `(${a}${inner}${b})${outer}${c}` };
}

/** Three to `most` (default six) numbers joined by a random mix of plus and minus, left to right. */
function mixedChain(random: Random, most = 6): Question {
  const count = 3 + Math.floor(random() * (most - 2));
  const values = Array.from({ length: count }, () => number(random, 2 + Math.floor(random() * 4)));
  const operators = values.slice(1).map(() => pick(random, ['+', '-']));
  const spoken = values.map((value, index) =>
    index === 0 ? `${value}` : ` ${WORDS[operators[index - 1] ?? '+']} ${value}`,
  );
  const expression = values.map((value, index) => (index === 0 ? `${value}` : `${operators[index - 1]}${value}`));
  return {
    question: pick(random, ['How much is ', 'What is ', 'Calculate '])
      .concat(spoken.join(''))
      .concat(pick(random, ['?', ''])),
    expression: expression.join(''),
  };
}

/** A sum of four to `most` (default eight) numbers or a product of three or four, said as a list. */
function list(random: Random, most = 8): Question {
  const operator = pick(random, ['+', '+', '*']);
  const count = operator === '*' ? 3 + Math.floor(random() * 2) : 4 + Math.floor(random() * (most - 3));
  const values = Array.from({ length: count }, () =>
    number(random, operator === '*' ? 2 : 2 + Math.floor(random() * 4)),
  );
  const spoken = `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
  const question =
    operator === '*'
      ? pick(random, [`What is the product of ${spoken}?`, `Multiply ${spoken}.`])
      : pick(random, [`What is the sum of ${spoken}?`, `Add ${spoken}.`, `What is the total of ${spoken}?`]);
  return { question, expression: values.join(operator) };
}

/** Two groups combined: (a+b)*(c+d), a*b+c*d, a/b+c/d, a*b*(c+d). */
function twoGroups(random: Random): Question {
  const [a, b, c, d] = Array.from({ length: 4 }, () => number(random, 2 + Math.floor(random() * 2)));
  const forms: Question[] = [
    {
      question: `What is the sum of ${a} and ${b}, multiplied by the sum of ${c} and ${d}?`,
      expression: `(${a}+${b})*(${c}+${d})`,
    },
    {
      question: `Compute the difference of ${a} and ${b}, times the sum of ${c} and ${d}`,
      expression: `(${a}-${b})*(${c}+${d})`,
    },
    { question: `What is ${a} times ${b} plus ${c} times ${d}?`, expression: `${a}*${b}+${c}*${d}` },
    { question: `What is ${a} times ${b} minus ${c} times ${d}?`, expression: `${a}*${b}-${c}*${d}` },
    { question: `Calculate ${a} divided by ${b} plus ${c} divided by ${d}`, expression: `${a}/${b}+${c}/${d}` },
    {
      question: `Find the product of ${a}, ${b} and the sum of ${c} and ${d}`,
      expression: `${a}*${b}*(${c}+${d})`,
    },
  ];
  return pick(random, forms);
}

/** The exact value of a `+ - * /` expression with parentheses, as JavaScript prints the nearest double. */
export function evaluate(expression: string): number {
  let position = 0;
  const peek = () => expression[position];
  const parseNumber = (): number => {
    const match = /^\d+(\.\d+)?/.exec(expression.slice(position));
    if (!match) throw new Error(`bad expression at ${position}: ${expression}`);
    position += match[0].length;
    return Number(match[0]);
  };
  const parseFactor = (): number => {
    if (peek() === '(') {
      position += 1;
      const value = parseSum();
      position += 1;
      return value;
    }
    return parseNumber();
  };
  const parseProduct = (): number => {
    let value = parseFactor();
    while (peek() === '*' || peek() === '/') {
      const operator = expression[position++];
      const right = parseFactor();
      value = operator === '*' ? value * right : value / right;
    }
    return value;
  };
  const parseSum = (): number => {
    let value = parseProduct();
    while (peek() === '+' || peek() === '-') {
      const operator = expression[position++];
      const right = parseProduct();
      value = operator === '+' ? value + right : value - right;
    }
    return value;
  };
  return parseSum();
}

type Row = Question & { answer: string };

const withAnswer = (question: Question): Row => ({ ...question, answer: String(evaluate(question.expression)) });

/** One- and two-step questions: the warm start's templated demonstrations (scripts/pretrain_tinylm.ts). */
function generateDemonstrations(options: { seed: number; count: number }): Row[] {
  const random = createRandom(options.seed);
  return Array.from({ length: options.count }, () => {
    const roll = random();
    return withAnswer(roll < 0.6 ? twoOperand(random) : roll < 0.8 ? chain(random) : nested(random));
  });
}

/**
 * Longer questions, none of them in demonstrations.jsonl: mixed plus/minus chains, lists, two groups. The default
 * warm start solves some of them, so GRPO has something to learn; they are the tutorial's tasks. (The second
 * shipped warm start was taught 4,000 more from seed 5: `scripts/pretrain_tinylm.ts --tasks`.) `mostChain` and
 * `mostList` cap how many numbers a chain and a summed list have (6 and 8).
 */
export function generateTasks(options: { seed: number; count: number; mostChain?: number; mostList?: number }): Row[] {
  const random = createRandom(options.seed);
  return Array.from({ length: options.count }, () => {
    const roll = random();
    return withAnswer(
      roll < 0.4
        ? mixedChain(random, options.mostChain)
        : roll < 0.7
          ? list(random, options.mostList)
          : twoGroups(random),
    );
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = fileURLToPath(new URL('./data/', import.meta.url));
  const write = (name: string, rows: object[]) =>
    writeFileSync(`${folder}${name}`, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  write('demonstrations.jsonl', generateDemonstrations({ seed: 1, count: 2000 }));
  write('train.jsonl', generateTasks({ seed: 3, count: 2000 }));
  write('validation.jsonl', generateTasks({ seed: 4, count: 200 }));
  console.log(`wrote ${folder}demonstrations.jsonl (2000), train.jsonl (2000) and validation.jsonl (200)`);
}
