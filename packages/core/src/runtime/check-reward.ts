import { basename } from 'node:path';
import { PluginError } from '@ajet/spec';

/** Which plugin produced a value: its kind and its `"module->Export"` string. */
export interface RewardSource {
  kind: 'workflow' | 'judge';
  reference: string;
}

/** `/abs/path/my_judge.ts->MyJudge` reads as `my_judge.ts->MyJudge`; built-ins and packages stay as written. */
export function pluginLabel(reference: string): string {
  const arrow = reference.lastIndexOf('->');
  const module = arrow < 0 ? reference : reference.slice(0, arrow);
  if (!module.startsWith('/')) return reference;
  return `${basename(module)}${arrow < 0 ? '' : reference.slice(arrow)}`;
}

const MAX_SHOWN_CHARS = 40;

/** A value as a person reads it, with its type where a number was expected: `'1' (a string)`, `NaN`. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'string': {
      const shown = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value;
      return `'${shown}' (a string)`;
    }
    case 'bigint':
      return `${value}n (a bigint)`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * The one check every reward passes before it reaches advantages and the loss: a finite number, or a PluginError
 * (`INVALID_REWARD`) naming the plugin, the value with its type and the episode.
 */
export function checkReward(value: unknown, options: { plugin: RewardSource; taskTag: string }): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const { plugin, taskTag } = options;
  const field = plugin.kind === 'judge' ? 'rawReward' : 'reward';
  const fix =
    plugin.kind === 'judge'
      ? 'return a finite number'
      : 'return a finite number, or leave reward unset to use the judge';
  return rejectOutput({
    plugin,
    code: 'INVALID_REWARD',
    message: `returned ${field} ${describeValue(value)} for episode ${taskTag}: ${fix}`,
  });
}

/** What a workflow's `execute` or a judge's `computeReward` resolved to must be an object. */
export function checkResultObject(value: unknown, options: { plugin: RewardSource; taskTag: string }): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return;
  const { plugin, taskTag } = options;
  const expected = plugin.kind === 'judge' ? '{ rawReward, isSuccess }' : 'a WorkflowOutput ({ reward?, metadata })';
  rejectOutput({
    plugin,
    code: plugin.kind === 'judge' ? 'INVALID_REWARD' : 'INVALID_OUTPUT',
    message: `returned ${describeValue(value)} instead of ${expected} for episode ${taskTag}`,
  });
}

function rejectOutput(options: { plugin: RewardSource; code: string; message: string }): never {
  const { plugin } = options;
  throw new PluginError(`${plugin.kind} "${pluginLabel(plugin.reference)}" ${options.message}`, {
    code: options.code,
    kind: plugin.kind,
    reference: plugin.reference,
  });
}
