import { describe, expect, it } from 'vitest';
import { parseEndpointToolCalls } from './endpoint-tool-calls.ts';

describe('parseEndpointToolCalls', () => {
  it('keeps well-formed function calls with their ids and argument text', () => {
    const parsed = parseEndpointToolCalls([
      { id: 'a1', type: 'function', function: { name: 'calculator', arguments: '{"expression": "2+2"}' } },
      { id: '', function: { name: 'execute_python_code', arguments: '' } },
    ]);
    expect(parsed.malformed).toEqual([]);
    expect(parsed.toolCalls).toEqual([
      { id: 'a1', name: 'calculator', arguments: '{"expression": "2+2"}' },
      { id: 'call_1', name: 'execute_python_code', arguments: '{}' },
    ]);
  });

  it('reports broken JSON, non-object arguments, a missing name and other types as malformed', () => {
    const parsed = parseEndpointToolCalls([
      { id: 'b', type: 'function', function: { name: 'calculator', arguments: '{"expression": ' } },
      { id: 'c', type: 'function', function: { name: 'calculator', arguments: '[1, 2]' } },
      { id: 'd', type: 'function', function: { name: '', arguments: '{}' } },
      { id: 'e', type: 'custom', function: { name: 'x', arguments: '{}' } },
      { id: 'f', type: 'function', function: { name: 'ok', arguments: '{"a": 1}' } },
    ]);
    expect(parsed.toolCalls.map((call) => call.id)).toEqual(['f']);
    expect(parsed.malformed.map((bad) => bad.error)).toEqual([
      expect.stringMatching(/^the arguments of calculator are not valid JSON/),
      'the arguments of calculator must be a JSON object',
      'the tool call has no function name',
      'tool call type "custom" is not supported (only "function")',
    ]);
    expect(JSON.parse(parsed.malformed[0]?.raw ?? '')).toMatchObject({ id: 'b' });
  });

  it('accepts a missing or null list', () => {
    expect(parseEndpointToolCalls(undefined)).toEqual({ toolCalls: [], malformed: [] });
    expect(parseEndpointToolCalls(null)).toEqual({ toolCalls: [], malformed: [] });
  });
});
