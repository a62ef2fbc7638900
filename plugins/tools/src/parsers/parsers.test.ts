import { describe, expect, it } from 'vitest';
import { CalculatorTagParser } from './calculator-tag-parser.ts';
import { HermesToolCallParser } from './hermes-parser.ts';

describe('HermesToolCallParser', () => {
  const parser = new HermesToolCallParser();
  it('parses several calls and keeps the text around them', () => {
    const parsed = parser.parse(
      'Let me run it.\n<tool_call>\n{"name": "execute_python_code", "arguments": {"code": "print(1)"}}\n</tool_call>\n<tool_call>{"name":"calculator","arguments":"{\\"expression\\":\\"1+1\\"}"}</tool_call>',
    );
    expect(parsed.content).toBe('Let me run it.');
    expect(parsed.toolCalls).toEqual([
      { id: 'call_0', name: 'execute_python_code', arguments: '{"code":"print(1)"}' },
      { id: 'call_1', name: 'calculator', arguments: '{"expression":"1+1"}' },
    ]);
    expect(parsed.malformed).toEqual([]);
  });
  it('reports bad JSON, a missing name and an unclosed block without throwing', () => {
    const parsed = parser.parse(
      '<tool_call>{"name": oops}</tool_call><tool_call>{"arguments": {}}</tool_call><tool_call>{"name": "x"',
    );
    expect(parsed.toolCalls).toEqual([]);
    expect(parsed.malformed.map((entry) => entry.error)).toEqual([
      expect.stringMatching(/not valid JSON/),
      expect.stringMatching(/needs \{"name"/),
      expect.stringMatching(/never closed/),
    ]);
  });
});

describe('CalculatorTagParser', () => {
  const parser = new CalculatorTagParser();
  it('turns each tag into a calculator call and keeps the text', () => {
    const text = '<calculator>\noperation: add\noperands:\n  - 1\n  - 2\n</calculator>';
    const parsed = parser.parse(text);
    expect(parsed.content).toBe(text);
    expect(parsed.toolCalls).toHaveLength(1);
    expect(JSON.parse(parsed.toolCalls[0]?.arguments ?? '{}')).toEqual({
      expression: 'operation: add\noperands:\n  - 1\n  - 2',
    });
  });
  it('reports a tag that is never closed', () => {
    expect(parser.parse('<calculator>operation: add').malformed).toHaveLength(1);
    expect(parser.parse('The answer is 3.').toolCalls).toHaveLength(0);
  });
});
