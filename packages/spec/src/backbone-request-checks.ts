import type {
  DetokenizeRequest,
  ForwardBackwardRequest,
  LossSpec,
  OptimStepRequest,
  RenderChatRequest,
  SampleChatRequest,
  SampleRequest,
} from './backbone.ts';
import { BackboneError } from './backbone-error.ts';
import type { ChatMessage, ToolSpec } from './chat-message.ts';
import type { SamplingParams } from './tuner.ts';

/**
 * The rules every backbone applies to a request before it touches the model: the one TypeScript copy (the
 * Python backend's is `backend/ajet_backend/request_checks.py`; the same request gets the same message).
 */
export interface BackboneRequestLimits {
  /** Token ids must be in 0..vocabSize-1; unchecked when unknown. */
  vocabSize?: number;
  /** Longest token sequence (prompt, training sample). */
  maxModelLen: number;
  /** Most completions one Sample/SampleChat may ask for. Default `defaultMaxCompletions`. */
  maxCompletions?: number;
  /** Most characters of text one RenderChat/SampleChat may carry. Default `defaultMaxRenderChars(maxModelLen)`. */
  maxRenderChars?: number;
}

export const defaultMaxCompletions = 64;
export const maxStopStrings = 32;
export const maxStopStringChars = 1000;

/**
 * No tokenizer turns more than 64 characters into one token, so a longer chat cannot fit the model. At least
 * 4 Mi characters: a chat only somewhat past the context still renders, and the runtime ends that episode with
 * finish reason `length` rather than an error.
 */
export function defaultMaxRenderChars(maxModelLen: number): number {
  return Math.max(4 * 1024 * 1024, maxModelLen * 64);
}

/** A request that breaks a rule of the backend protocol; `field` is the path to the bad value. */
export class BackboneRequestError extends BackboneError {
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}${problem}.`, {
      code: 'BACKBONE_INVALID_REQUEST',
      hint: 'The request was refused before it reached the model; fix the caller.',
    });
    this.field = field;
  }
}

const chatRoles = new Set(['system', 'user', 'assistant', 'tool']);

function fail(field: string, problem: string): never {
  throw new BackboneRequestError(field, problem);
}

function checkTokenIds(field: string, tokenIds: readonly number[], limits: BackboneRequestLimits): void {
  const { vocabSize } = limits;
  const top = vocabSize === undefined ? 0x7fffffff : vocabSize - 1;
  for (let index = 0; index < tokenIds.length; index++) {
    const id = tokenIds[index] as number;
    if (!Number.isInteger(id) || id < 0 || id > top)
      fail(`${field}[${index}]`, `=${id} is outside the vocabulary (0..${vocabSize === undefined ? 'int32' : top})`);
  }
}

interface FiniteRule {
  min?: number;
  above?: number;
  max?: number;
  below?: number;
}

function describeRule(rule: FiniteRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return parts.length > 0 ? ` ${parts.join(' and ')}` : '';
}

function checkFinite(field: string, value: number | undefined, rule: FiniteRule): void {
  if (value === undefined) return;
  const { min, above, max, below } = rule;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (min !== undefined && value < min) ||
    (above !== undefined && value <= above) ||
    (max !== undefined && value > max) ||
    (below !== undefined && value >= below)
  )
    fail(field, `=${value}: expected a finite number${describeRule(rule)}`);
}

function checkWholeNumber(field: string, value: number | undefined, rule: { min: number; max?: number }): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < rule.min || (rule.max !== undefined && value > rule.max))
    fail(
      field,
      `=${value}: expected a whole number from ${rule.min}${rule.max !== undefined ? ` to ${rule.max}` : ''}`,
    );
}

function checkSampling(sampling: SamplingParams): void {
  checkFinite('sampling.temperature', sampling.temperature, { min: 0 });
  checkFinite('sampling.topP', sampling.topP, { above: 0, max: 1 });
  // No upper bound: a backbone clamps maxTokens to the room left in maxModelLen.
  checkWholeNumber('sampling.maxTokens', sampling.maxTokens, { min: 0 });
  if (sampling.seed !== undefined && !Number.isSafeInteger(sampling.seed))
    fail('sampling.seed', `=${sampling.seed}: expected a whole number`);
  const stop = sampling.stop ?? [];
  if (stop.length > maxStopStrings) fail('sampling.stop', ` has ${stop.length} strings; at most ${maxStopStrings}`);
  stop.forEach((text, index) => {
    if (text.length > maxStopStringChars)
      fail(`sampling.stop[${index}]`, ` has ${text.length} characters; at most ${maxStopStringChars}`);
  });
}

function checkCompletions(n: number | undefined, limits: BackboneRequestLimits): void {
  checkWholeNumber('n', n, { min: 1, max: limits.maxCompletions ?? defaultMaxCompletions });
}

function messageChars(message: ChatMessage): number {
  let chars = message.content.length + (message.name?.length ?? 0) + (message.toolCallId?.length ?? 0);
  for (const call of message.toolCalls ?? []) chars += call.id.length + call.name.length + call.arguments.length;
  return chars;
}

function toolChars(tool: ToolSpec): number {
  return tool.name.length + tool.description.length + JSON.stringify(tool.parameters ?? {}).length;
}

function checkChat(request: RenderChatRequest | SampleChatRequest, limits: BackboneRequestLimits): void {
  const maxChars = limits.maxRenderChars ?? defaultMaxRenderChars(limits.maxModelLen);
  let chars = 0;
  request.messages.forEach((message, index) => {
    if (!chatRoles.has(message.role))
      fail(
        `messages[${index}].role`,
        `="${String(message.role).slice(0, 40)}": expected system, user, assistant or tool`,
      );
    chars += messageChars(message);
    if (chars > maxChars)
      fail(`messages[${index}]`, `: the chat passes ${maxChars} characters, more than the model can read`);
  });
  (request.tools ?? []).forEach((tool, index) => {
    chars += toolChars(tool);
    if (chars > maxChars)
      fail(`tools[${index}]`, `: the chat passes ${maxChars} characters, more than the model can read`);
  });
  const { prefix } = request;
  if (prefix) {
    checkWholeNumber('prefix.messageCount', prefix.messageCount, { min: 0, max: request.messages.length });
    if (prefix.tokenIds.length > limits.maxModelLen)
      fail('prefix.tokenIds', ` has ${prefix.tokenIds.length} tokens; the model reads at most ${limits.maxModelLen}`);
    checkTokenIds('prefix.tokenIds', prefix.tokenIds, limits);
  }
}

export function checkRenderChatRequest(request: RenderChatRequest, limits: BackboneRequestLimits): void {
  checkChat(request, limits);
}

export function checkSampleChatRequest(request: SampleChatRequest, limits: BackboneRequestLimits): void {
  checkChat(request, limits);
  checkCompletions(request.n, limits);
  checkSampling(request.sampling);
}

export function checkSampleRequest(request: SampleRequest, limits: BackboneRequestLimits): void {
  if (request.promptIds.length > limits.maxModelLen)
    fail('promptIds', ` has ${request.promptIds.length} tokens; the model reads at most ${limits.maxModelLen}`);
  checkTokenIds('promptIds', request.promptIds, limits);
  checkCompletions(request.n, limits);
  checkSampling(request.sampling);
}

export function checkDetokenizeRequest(request: DetokenizeRequest, limits: BackboneRequestLimits): void {
  checkTokenIds('tokenIds', request.tokenIds, limits);
}

function checkLoss(loss: LossSpec): void {
  if (loss.type === 'cross_entropy') return;
  if (loss.type === 'ppo') {
    checkFinite('loss.clipLow', loss.clipLow, { min: 0 });
    checkFinite('loss.clipHigh', loss.clipHigh, { min: 0 });
    checkFinite('loss.dualClip', loss.dualClip, { above: 1 });
  }
  checkFinite('loss.kl.beta', loss.kl?.beta, { min: 0 });
}

export function checkForwardBackwardRequest(request: ForwardBackwardRequest, limits: BackboneRequestLimits): void {
  checkLoss(request.loss);
  checkFinite('lossScale', request.lossScale, { min: 0 });
  checkFinite('temperature', request.temperature, { above: 0 });
  request.samples.forEach((sample, index) => {
    const field = `samples[${index}]`;
    const length = sample.tokenIds.length;
    if (length > limits.maxModelLen)
      fail(`${field}.tokenIds`, ` has ${length} tokens; the model reads at most ${limits.maxModelLen}`);
    if (sample.lossMask.length !== length)
      fail(`${field}.lossMask`, ` has ${sample.lossMask.length} entries; tokenIds has ${length}`);
    if (sample.samplerLogprobs.length !== length)
      fail(`${field}.samplerLogprobs`, ` has ${sample.samplerLogprobs.length} entries; tokenIds has ${length}`);
    checkTokenIds(`${field}.tokenIds`, sample.tokenIds, limits);
    for (let position = 0; position < length; position++) {
      const mask = sample.lossMask[position];
      if (mask !== 0 && mask !== 1) fail(`${field}.lossMask[${position}]`, `=${mask}: expected 0 or 1`);
      const logprob = sample.samplerLogprobs[position] as number;
      if (!Number.isFinite(logprob))
        fail(`${field}.samplerLogprobs[${position}]`, `=${logprob}: expected a finite number`);
    }
    checkFinite(`${field}.advantage`, sample.advantage, {});
  });
}

export function checkOptimStepRequest(request: OptimStepRequest): void {
  checkFinite('learningRate', request.learningRate, { min: 0 });
  checkFinite('beta1', request.beta1, { min: 0, below: 1 });
  checkFinite('beta2', request.beta2, { min: 0, below: 1 });
  checkFinite('eps', request.eps, { above: 0 });
  checkFinite('weightDecay', request.weightDecay, { min: 0 });
  checkFinite('maxGradNorm', request.maxGradNorm, { min: 0 });
}
