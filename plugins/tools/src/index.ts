export type { Calculation, Operation } from './calculator/calculation.ts';
export {
  CalculationError,
  evaluateCalculation,
  LIMITS,
  OPERATIONS,
  parseCall,
  parseExpression,
  runCalculator,
  toYaml,
} from './calculator/calculation.ts';
export type { Rational } from './calculator/rational.ts';
export { formatRational, parseDecimal } from './calculator/rational.ts';
export { CalculatorTool } from './calculator-tool.ts';
export type { ExecutePythonCodeSettings } from './execute-python-code.ts';
export { ExecutePythonCode } from './execute-python-code.ts';
export { manifest } from './manifest.ts';
export { CalculatorTagParser } from './parsers/calculator-tag-parser.ts';
export { HermesToolCallParser } from './parsers/hermes-parser.ts';
export { toToolSpec } from './tool-spec.ts';
