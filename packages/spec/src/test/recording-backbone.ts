import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type {
  Backbone,
  BackboneInfo,
  Completion,
  DetokenizeRequest,
  DetokenizeResponse,
  ForwardBackwardRequest,
  ForwardBackwardResponse,
  OptimStepRequest,
  OptimStepResponse,
  RenderChatRequest,
  RenderChatResponse,
  SampleRequest,
  SampleResponse,
  SavedState,
  StateRequest,
} from '../backbone.ts';
import {
  type BackboneRequestLimits,
  checkForwardBackwardRequest,
  checkOptimStepRequest,
  checkSampleRequest,
} from '../backbone-request-checks.ts';
import type { ChatMessage } from '../chat-message.ts';

/** Byte-level tokens 0–255, then three specials. */
export const IM_START = 256;
export const IM_END = 257;
export const END_OF_TEXT = 258;
const NEWLINE = 10;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeText(text: string): number[] {
  return Array.from(encoder.encode(text));
}

/** Decodes ids to text, writing the specials as `<|im_start|>`, `<|im_end|>`, `<|endoftext|>`. */
export function decodeTokens(tokenIds: readonly number[]): string {
  let text = '';
  let bytes: number[] = [];
  const flush = () => {
    text += decoder.decode(Uint8Array.from(bytes));
    bytes = [];
  };
  for (const id of tokenIds) {
    if (id < 256) {
      bytes.push(id);
      continue;
    }
    flush();
    text += id === IM_START ? '<|im_start|>' : id === IM_END ? '<|im_end|>' : '<|endoftext|>';
  }
  flush();
  return text;
}

function renderMessage(message: ChatMessage): number[] {
  return [IM_START, ...encodeText(`${message.role}\n${message.content}`), IM_END, NEWLINE];
}

export interface RespondContext {
  /** The prompt decoded, specials written out. */
  promptText: string;
  promptIds: readonly number[];
  /** Which of the n completions of this call. */
  index: number;
  /** How many sample calls came before this one. */
  callNumber: number;
  policyVersion: number;
}

export interface RecordingBackboneOptions {
  /** Produces each completion's text. Default: `"ok"`. */
  respond?: (context: RespondContext) => string;
  /** The sampler logprob given to every completion token. Default -0.5. */
  logprob?: number;
  trainable?: boolean;
  /** Reported by getInfo. Default 2^20. */
  maxModelLen?: number;
}

/**
 * A deterministic, token-level backbone for tests: byte tokens in a ChatML-like format, scripted completions,
 * and every call recorded. Its loss is the importance-sampling loss with logp taken equal to the sampler's.
 */
export class RecordingBackbone implements Backbone {
  readonly renderCalls: RenderChatRequest[] = [];
  readonly sampleCalls: SampleRequest[] = [];
  readonly forwardBackwardCalls: ForwardBackwardRequest[] = [];
  readonly optimStepCalls: OptimStepRequest[] = [];
  policyVersion = 0;
  closed = false;
  private readonly respond: (context: RespondContext) => string;
  private readonly logprob: number;
  private readonly trainable: boolean;
  private readonly maxModelLen: number;

  constructor(options: RecordingBackboneOptions = {}) {
    this.respond = options.respond ?? (() => 'ok');
    this.logprob = options.logprob ?? -0.5;
    this.trainable = options.trainable ?? true;
    this.maxModelLen = options.maxModelLen ?? 1 << 20;
  }

  async getInfo(): Promise<BackboneInfo> {
    return {
      model: 'recording',
      tokenizer: 'bytes+chatml',
      policyVersion: this.policyVersion,
      capabilities: {
        trainable: this.trainable,
        lora: false,
        maxModelLen: this.maxModelLen,
        vocabSize: END_OF_TEXT + 1,
      },
    };
  }

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    this.renderCalls.push(request);
    const tokenIds: number[] = [];
    let messages = request.messages;
    if (request.prefix) {
      const last = request.prefix.tokenIds.at(-1);
      if (last !== IM_END) tokenIds.push(IM_END);
      tokenIds.push(NEWLINE);
      messages = messages.slice(request.prefix.messageCount);
    }
    for (const message of messages) tokenIds.push(...renderMessage(message));
    if (request.addGenerationPrompt ?? true) tokenIds.push(IM_START, ...encodeText('assistant\n'));
    return { tokenIds };
  }

  async detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse> {
    return { pieces: request.tokenIds.map((id) => decodeTokens([id])) };
  }

  private get limits(): BackboneRequestLimits {
    return { maxModelLen: this.maxModelLen, vocabSize: END_OF_TEXT + 1 };
  }

  async sample(request: SampleRequest): Promise<SampleResponse> {
    checkSampleRequest(request, this.limits);
    const callNumber = this.sampleCalls.length;
    this.sampleCalls.push(request);
    const promptText = decodeTokens(request.promptIds);
    const completions: Completion[] = [];
    for (let index = 0; index < (request.n ?? 1); index++) {
      const text = this.respond({
        promptText,
        promptIds: request.promptIds,
        index,
        callNumber,
        policyVersion: this.policyVersion,
      });
      const maxTokens = request.sampling.maxTokens ?? Number.POSITIVE_INFINITY;
      let tokenIds = [...encodeText(text), IM_END];
      let finishReason: Completion['finishReason'] = 'stop';
      if (tokenIds.length > maxTokens) {
        tokenIds = tokenIds.slice(0, maxTokens);
        finishReason = 'length';
      }
      completions.push({
        tokenIds,
        logprobs: tokenIds.map(() => this.logprob),
        text: decodeTokens(tokenIds.filter((id) => id !== IM_END)),
        finishReason,
      });
    }
    return { completions, policyVersion: this.policyVersion };
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    checkForwardBackwardRequest(request, this.limits);
    this.forwardBackwardCalls.push(request);
    let weighted = 0;
    let tokens = 0;
    for (const sample of request.samples) {
      for (const mask of sample.lossMask) {
        weighted += mask * -sample.advantage;
        tokens += mask;
      }
    }
    const loss = tokens === 0 ? 0 : (weighted / tokens) * (request.lossScale ?? 1);
    return { loss, metrics: { tokens } };
  }

  async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    checkOptimStepRequest(request);
    this.optimStepCalls.push(request);
    this.policyVersion += 1;
    return { policyVersion: this.policyVersion, gradNorm: 0 };
  }

  async saveState(request: StateRequest): Promise<SavedState> {
    await mkdir(request.path, { recursive: true });
    await writeFile(
      join(request.path, 'recording-backbone.json'),
      JSON.stringify({ policyVersion: this.policyVersion }),
    );
    return { path: resolve(request.path) };
  }

  async loadState(request: StateRequest): Promise<void> {
    const text = await readFile(join(request.path, 'recording-backbone.json'), 'utf8');
    const state: unknown = JSON.parse(text);
    if (typeof state === 'object' && state !== null && 'policyVersion' in state) {
      this.policyVersion = Number(state.policyVersion);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
