import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Judge, JudgeResult, PluginContext, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { AjetError, ConfigError, settingPath } from '@ajet/spec';
import OpenAI from 'openai';
import { z } from 'zod';
import { calculatorRubric } from './internal/calculator-rubric.ts';
import { Semaphore } from './internal/semaphore.ts';

const llmJudgeSettings = z
  .strictObject({
    /** OpenAI-compatible endpoint; unset reads `OPENAI_BASE_URL`. */
    base_url: z.string().url().optional(),
    /** Unset reads `AJET_JUDGE_MODEL`. */
    model: z.string().min(1).optional(),
    /** Unset reads the variable named by `api_key_env`. */
    api_key: z.string().optional(),
    api_key_env: z.string().default('OPENAI_API_KEY'),
    /**
     * Rubric file, relative to the YAML file that wrote it (core resolves it and checks it exists before the run);
     * unset uses the calculator seed's rubric.
     */
    rubric_file: settingPath({ mustExist: 'file' }).optional(),
    max_concurrency: z.number().int().positive().default(4),
    /** Retries after a 429, a 5xx, a timeout or a lost connection, with exponential backoff. */
    max_retries: z.number().int().nonnegative().default(4),
    initial_backoff_ms: z.number().int().nonnegative().default(500),
    /** Extra asks when the reply has no parsable `score:`. */
    parse_retries: z.number().int().nonnegative().default(1),
    timeout_ms: z.number().int().positive().default(60_000),
    temperature: z.number().min(0).default(0),
    success_threshold: z.number().default(0.8),
    /** `raise` fails the episode; `reward` records the failure and gives `failure_reward`. */
    on_failure: z.enum(['raise', 'reward']).default('reward'),
    failure_reward: z.number().default(0),
  })
  .transform((settings) => ({
    baseUrl: settings.base_url,
    model: settings.model,
    apiKey: settings.api_key,
    apiKeyEnv: settings.api_key_env,
    rubricFile: settings.rubric_file,
    maxConcurrency: settings.max_concurrency,
    maxRetries: settings.max_retries,
    initialBackoffMs: settings.initial_backoff_ms,
    parseRetries: settings.parse_retries,
    timeoutMs: settings.timeout_ms,
    temperature: settings.temperature,
    successThreshold: settings.success_threshold,
    onFailure: settings.on_failure,
    failureReward: settings.failure_reward,
  }));

export type LlmJudgeSettings = z.output<typeof llmJudgeSettings>;

const scoreSchema = z.coerce.number().min(0).max(1);

/** The judge model did not give a usable score; `code` says why. */
export class JudgmentError extends AjetError {
  constructor(message: string, options: { code: string; cause?: unknown }) {
    super(message, { code: options.code, blame: 'system', cause: options.cause });
  }
}

/** One trimmed line; longer lines are never a score line, which keeps the match linear in the reply. */
const scoreLine = /^score\s*:\s*["']?([-+]?\d*\.?\d+)["']?$/i;
const maxScoreLineLength = 64;

/** The last `score: x` line's x. Line by line: one multiline regex over the reply took 45 s on 60 KB. */
function parseScore(reply: string): number | undefined {
  let last: string | undefined;
  for (const line of reply.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.length > maxScoreLineLength) continue;
    last = scoreLine.exec(trimmed)?.[1] ?? last;
  }
  if (last === undefined) return undefined;
  const parsed = scoreSchema.safeParse(last);
  return parsed.success ? parsed.data : undefined;
}

/** No complete reply within `timeout_ms`, headers and body together (the SDK's own timeout stops at headers). */
class ReplyTimeoutError extends Error {}

function isRetryable(error: unknown): boolean {
  if (error instanceof ReplyTimeoutError || error instanceof OpenAI.APIConnectionError) return true;
  if (error instanceof OpenAI.APIError) return error.status === 429 || (error.status ?? 0) >= 500;
  return false;
}

function renderEpisode(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): string {
  const reference = task.task.metadata.answer ?? task.task.metadata.reference ?? '(none given)';
  const conversation = trajectory.messages
    .map((message) => {
      const calls = message.toolCalls?.map((call) => `\n[tool call ${call.name}] ${call.arguments}`).join('') ?? '';
      return `### ${message.role}\n${message.content}${calls}`;
    })
    .join('\n\n');
  return [
    `## Problem\n${task.task.mainQuery}`,
    `## Reference answer\n${String(reference)}`,
    `## Episode\n${conversation || '(no messages)'}`,
    `## Final answer given\n${output.metadata.finalAnswer ?? '(none)'}`,
  ].join('\n\n');
}

/** The rubric, read when the judge is built so a bad path is a config error before the run, never a stray rejection. */
function readRubric(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read rubric file ${path}.`, {
      code: 'JUDGE_NO_RUBRIC',
      keyPath: 'rubric_file',
      hint: 'A relative path resolves against the folder of the YAML file that wrote it.',
      cause: error,
    });
  }
}

/** Asks an OpenAI-compatible model to score an episode against a rubric; answers `score: x` in [0, 1]. */
export class LlmJudge implements Judge {
  static readonly settings = llmJudgeSettings;
  private readonly settings: LlmJudgeSettings;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly rubric: string;
  private readonly semaphore: Semaphore;
  private readonly cache = new Map<string, Promise<number>>();

  constructor(settings: LlmJudgeSettings, context: PluginContext) {
    this.settings = settings;
    const baseURL = settings.baseUrl ?? process.env.OPENAI_BASE_URL;
    const model = settings.model ?? process.env.AJET_JUDGE_MODEL;
    if (!baseURL || !model) {
      throw new ConfigError('llm_judge needs an endpoint and a model.', {
        code: 'JUDGE_NO_ENDPOINT',
        keyPath: baseURL ? 'model' : 'base_url',
        hint: 'Set base_url and model in the judge settings, or OPENAI_BASE_URL and AJET_JUDGE_MODEL.',
      });
    }
    this.model = model;
    this.client = new OpenAI({
      baseURL,
      apiKey: settings.apiKey ?? process.env[settings.apiKeyEnv] ?? 'EMPTY',
      timeout: settings.timeoutMs,
      maxRetries: 0,
    });
    this.semaphore = new Semaphore(settings.maxConcurrency);
    // From the loader, rubricFile is absolute; built directly (tests, scripts), relative to context.configDir.
    this.rubric = settings.rubricFile ? readRubric(resolve(context.configDir, settings.rubricFile)) : calculatorRubric;
  }

  /** One request, aborted when the whole reply (headers and body) is not in within `timeout_ms`. */
  private async completeOnce(messages: OpenAI.ChatCompletionMessageParam[]): Promise<string> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(
          new ReplyTimeoutError(`timed out after ${this.settings.timeoutMs} ms (timeout_ms covers the whole reply)`),
        );
      }, this.settings.timeoutMs);
    });
    const request = this.client.chat.completions.create(
      { model: this.model, messages, temperature: this.settings.temperature },
      { signal: controller.signal },
    );
    request.catch(() => undefined);
    try {
      const completion = await Promise.race([request, deadline]);
      return completion.choices[0]?.message.content ?? '';
    } finally {
      clearTimeout(timer);
    }
  }

  private async complete(messages: OpenAI.ChatCompletionMessageParam[]): Promise<string> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.completeOnce(messages);
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.settings.maxRetries) throw error;
        await new Promise((done) => setTimeout(done, this.settings.initialBackoffMs * 2 ** attempt));
      }
    }
  }

  private async score(prompt: string): Promise<number> {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: this.rubric },
      { role: 'user', content: prompt },
    ];
    let reply = '';
    for (let attempt = 0; attempt <= this.settings.parseRetries; attempt += 1) {
      reply = await this.semaphore.run(() => this.complete(messages));
      const score = parseScore(reply);
      if (score !== undefined) return score;
      messages.push(
        { role: 'assistant', content: reply },
        {
          role: 'user',
          content: 'Your reply had no valid score. End with one line: `score: <number between 0 and 1>`.',
        },
      );
    }
    throw new JudgmentError(
      `The judge model's reply has no "score: <0..1>" line: ${JSON.stringify(reply.slice(0, 200))}`,
      {
        code: 'JUDGE_UNPARSABLE_SCORE',
      },
    );
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const prompt = renderEpisode(task, output, trajectory);
    const key = createHash('sha256')
      .update(JSON.stringify([this.model, this.rubric, prompt]))
      .digest('hex');
    const cached = this.cache.has(key);
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.score(prompt);
      this.cache.set(key, pending);
      // A failure is not cached, so the next episode with the same content asks again.
      pending.catch(() => this.cache.delete(key));
    }
    try {
      const score = await pending;
      return {
        rawReward: score,
        isSuccess: score >= this.settings.successThreshold,
        details: { judgment: 'scored', score, model: this.model, cached },
      };
    } catch (error) {
      const failure =
        error instanceof JudgmentError
          ? error
          : new JudgmentError(`The judge model at ${this.client.baseURL} failed: ${(error as Error).message}`, {
              code: 'JUDGE_REQUEST_FAILED',
              cause: error,
            });
      if (this.settings.onFailure === 'raise') throw failure;
      return {
        rawReward: this.settings.failureReward,
        isSuccess: false,
        details: { judgment: 'failed', code: failure.code, error: failure.message, model: this.model },
      };
    }
  }
}
