// Writes data/train.jsonl and data/validation.jsonl: arithmetic questions in plain English with their exact
// answers, from our own templates, seeded, so the tutorial ships its data. Run: pnpm exec tsx make-data.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRandom } from '@ajet/core';

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

function generate(options: { seed: number; count: number }): (Question & { answer: string })[] {
  const random = createRandom(options.seed);
  return Array.from({ length: options.count }, () => {
    const roll = random();
    const question = roll < 0.6 ? twoOperand(random) : roll < 0.8 ? chain(random) : nested(random);
    return { ...question, answer: String(evaluate(question.expression)) };
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = fileURLToPath(new URL('./data/', import.meta.url));
  const write = (name: string, rows: object[]) =>
    writeFileSync(`${folder}${name}`, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  write('train.jsonl', generate({ seed: 1, count: 2000 }));
  write('validation.jsonl', generate({ seed: 2, count: 200 }));
  console.log(`wrote ${folder}train.jsonl (2000) and validation.jsonl (200)`);
}
