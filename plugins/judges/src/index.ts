export { extractAnswer, extractBoxed, normalizeAnswer, parseNumber } from './answer-extraction.ts';
export type { MathAnswerSettings } from './math-answer-judge.ts';
export { MathAnswerJudge } from './math-answer-judge.ts';
