import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { typedFlagValue } from './typed-flag-value.ts';

const typed = (text: string, schema: z.core.$ZodType | undefined) => typedFlagValue({ text, schema });

describe('typedFlagValue', () => {
  it('gives a number key a number and a string key the text as written', () => {
    expect(typed('8', z.number().int().default(4))).toBe(8);
    expect(typed('1.0e-6', z.number())).toBe(1e-6);
    expect(typed('123', z.string().default('x'))).toBe('123');
    expect(typed('true', z.string())).toBe('true');
    expect(typed('grpc', z.enum(['debug', 'grpc']))).toBe('grpc');
  });

  it('gives a boolean key true or false', () => {
    expect(typed('false', z.boolean().default(true))).toBe(false);
    expect(typed('true', z.boolean())).toBe(true);
  });

  it('gives a list key a list, from [a, b] or a,b, each item typed', () => {
    const strings = z.array(z.string()).default([]);
    expect(typed('[console, jsonl]', strings)).toEqual(['console', 'jsonl']);
    expect(typed('console,tensorboard', strings)).toEqual(['console', 'tensorboard']);
    expect(typed('[1, 2]', strings)).toEqual(['1', '2']);
    expect(typed('1,2', z.array(z.number()))).toEqual([1, 2]);
    expect(typed('', strings)).toEqual([]);
  });

  it('gives a nullable key null for null', () => {
    expect(typed('null', z.number().nullable().default(null))).toBeNull();
    expect(typed('1.5', z.number().nullable().default(null))).toBe(1.5);
    expect(typed('null', z.string())).toBe('null');
  });

  it('leaves text of the wrong type as text, for the schema to refuse', () => {
    expect(typed('many', z.number())).toBe('many');
    expect(typed('', z.number())).toBe('');
    expect(typed('yes', z.boolean())).toBe('yes');
  });

  it('reads a key the schema does not type as YAML', () => {
    expect(typed('3', undefined)).toBe(3);
    expect(typed('{a: 1}', undefined)).toEqual({ a: 1 });
    expect(typed('[x', undefined)).toBe('[x');
  });
});
