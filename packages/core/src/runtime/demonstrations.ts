import { readFile } from 'node:fs/promises';
import {
  AjetError,
  type Backbone,
  type ChatMessage,
  DatasetError,
  deriveSeed,
  seededShuffle,
  type TrainingSample,
} from '@ajet/spec';
import { z } from 'zod';
import type { AjetConfig } from '../config/schema.ts';
import { mapWithLimit } from './concurrency-limit.ts';

/** Demonstrations rendered at once when a run starts. */
const RENDER_CONCURRENCY = 16;

const messageSchema = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string(),
});
/** A line of a demonstrations file: OpenAI's chat fine-tuning format, `{"messages": [{role, content}, ...]}`. */
const lineSchema = z.object({
  messages: z
    .array(messageSchema)
    .min(1)
    .refine((messages) => messages.some((message) => message.role === 'assistant'), {
      message: 'has no assistant message (nothing to learn from)',
    }),
});

/** The conversations of a JSONL demonstrations file; a bad line is a DatasetError naming the file and line. */
export async function readDemonstrations(file: string): Promise<ChatMessage[][]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new DatasetError(`cannot read the demonstrations file (${(cause as NodeJS.ErrnoException).code})`, {
      code: 'DEMONSTRATIONS_UNREADABLE',
      file,
      hint: 'Check algorithm.ptx.file_path (relative paths start at the config file).',
      cause,
    });
  }
  const conversations: ChatMessage[][] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const where = { file, row: index + 1, code: 'DEMONSTRATION_BAD_LINE' };
    const hint = 'Each line is {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", ...}]}.';
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new DatasetError(`not JSON (${(cause as Error).message})`, { ...where, hint, cause });
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DatasetError(`${issue?.path.join('.') || 'the line'}: ${issue?.message}`, { ...where, hint });
    }
    conversations.push(parsed.data.messages);
  }
  if (conversations.length === 0)
    throw new DatasetError('has no demonstrations', { file, code: 'DEMONSTRATIONS_EMPTY', hint: 'One JSON a line.' });
  return conversations;
}

const startsWith = (sequence: readonly number[], prefix: readonly number[]) =>
  prefix.length <= sequence.length && prefix.every((token, index) => sequence[index] === token);

/**
 * A conversation as one training sequence, built the way a rollout records one: the prompt up to the first assistant
 * message with its generation prompt; each assistant turn as the tokens a policy would have sampled (its rendering
 * after the generation prompt, through its end token; loss mask 1); the messages after it rendered incrementally on
 * the sequence so far, as the rollout renders a tool reply (`renderChat` with `prefix`; loss mask 0). Messages after
 * the last assistant turn teach nothing and are left out. Needs a template that renders an assistant turn as the
 * continuation of its generation prompt (every chat template ajet knows does). Null when the sequence grows past
 * `maxTokens` (a backbone refuses a prefix longer than its context).
 */
export async function renderDemonstration(
  backbone: Pick<Backbone, 'renderChat' | 'detokenize'>,
  messages: readonly ChatMessage[],
  maxTokens = Number.POSITIVE_INFINITY,
): Promise<Pick<TrainingSample, 'tokenIds' | 'lossMask'> | null> {
  const assistants = messages.flatMap((message, index) => (message.role === 'assistant' ? [index] : []));
  const tokenIds: number[] = [];
  const lossMask: number[] = [];
  const append = (tokens: readonly number[], mask: 0 | 1) => {
    tokenIds.push(...tokens);
    lossMask.push(...tokens.map(() => mask));
  };
  let rendered = 0; // messages the sequence covers
  for (const index of assistants) {
    if (tokenIds.length > maxTokens) return null;
    const before = messages.slice(0, index);
    const opened = (
      await backbone.renderChat({
        messages: before,
        addGenerationPrompt: true,
        ...(rendered === 0 ? {} : { prefix: { tokenIds: [...tokenIds], messageCount: rendered } }),
      })
    ).tokenIds;
    append(opened, 0);
    const generationPrompt =
      rendered === 0 ? opened : (await backbone.renderChat({ messages: before, addGenerationPrompt: true })).tokenIds;
    const closed = (await backbone.renderChat({ messages: messages.slice(0, index + 1), addGenerationPrompt: false }))
      .tokenIds;
    if (!startsWith(closed, generationPrompt)) {
      throw new AjetError(
        `the chat template does not render assistant message ${index} as a continuation of its generation prompt`,
        {
          code: 'DEMONSTRATION_TEMPLATE',
          blame: 'user',
          hint: "algorithm.ptx needs a template that writes an assistant turn after the generation prompt that opens it; this model's does not.",
        },
      );
    }
    // The turn as sampled: through its end token, not the whitespace the template writes after it.
    const turn = closed.slice(generationPrompt.length);
    const { pieces } = await backbone.detokenize({ tokenIds: turn });
    let end = turn.length;
    while (end > 0 && pieces[end - 1]?.trim() === '') end -= 1;
    append(turn.slice(0, end), 1);
    rendered = index + 1;
  }
  return tokenIds.length > maxTokens ? null : { tokenIds, lossMask };
}

/**
 * PPO-ptx (InstructGPT's mix of a supervised loss into RL updates): each optimiser update also trains
 * `algorithm.ptx.batch_size` demonstrations with cross-entropy, scaled by `coef`, so what the warm start was taught
 * stays while GRPO sharpens sampling. The draw is seeded by (seed, step, update): a resumed run draws the same.
 */
export class DemonstrationMix {
  private readonly backbone: Backbone;
  private readonly config: AjetConfig;
  private samples: TrainingSample[] = [];

  constructor(options: { backbone: Backbone; config: AjetConfig }) {
    this.backbone = options.backbone;
    this.config = options.config;
  }

  /** Reads and renders the demonstrations; returns how many fit the model's context and how many did not. */
  async prepare(): Promise<{ demonstrations: number; tooLong: number }> {
    const file = this.config.algorithm.ptx.filePath;
    this.samples = [];
    if (file === null) return { demonstrations: 0, tooLong: 0 };
    const { maxModelLen } = (await this.backbone.getInfo()).capabilities;
    const conversations = await readDemonstrations(file);
    // Rendering is a few backbone calls a conversation; over gRPC they wait on the network, so several at once.
    const rendered = await mapWithLimit({
      items: conversations,
      limit: RENDER_CONCURRENCY,
      work: async (messages, index) => {
        try {
          return await renderDemonstration(this.backbone, messages, maxModelLen);
        } catch (cause) {
          // Named by its line; an AjetError (the template's, a backbone's refusal) keeps its code and hint.
          const { code, hint } = cause instanceof AjetError ? cause : { code: 'DEMONSTRATION_RENDER', hint: undefined };
          const message = (cause as Error).message;
          throw new DatasetError(hint && message.endsWith(` ${hint}`) ? message.slice(0, -hint.length - 1) : message, {
            file,
            row: index + 1,
            code,
            hint,
            cause,
          });
        }
      },
    });
    let tooLong = 0;
    for (const sample of rendered) {
      if (sample === null) tooLong += 1;
      else this.samples.push({ ...sample, samplerLogprobs: sample.tokenIds.map(() => 0), advantage: 0 });
    }
    if (this.samples.length === 0) {
      throw new DatasetError(
        `none of its ${conversations.length} demonstrations fits the model's ${maxModelLen} tokens`,
        {
          file,
          code: 'DEMONSTRATIONS_TOO_LONG',
          hint: 'Shorten them or use a model with a longer context.',
        },
      );
    }
    return { demonstrations: this.samples.length, tooLong };
  }

  /** Demonstrations each update trains: `algorithm.ptx.batch_size`, or all of them when fewer fit the context. */
  get perUpdate(): number {
    return Math.min(this.config.algorithm.ptx.batchSize, this.samples.length);
  }

  /** Adds one update's supervised gradient (before its optimiser step); returns `ptx_loss` (per token, before coef). */
  async accumulate(options: { step: number; update: number }): Promise<Record<string, number>> {
    const { coef } = this.config.algorithm.ptx;
    if (this.samples.length === 0 || coef === 0) return {};
    const order = seededShuffle(
      this.samples.map((_, index) => index),
      deriveSeed(this.config.seed, 'ptx', options.step, options.update),
    );
    const samples = order.slice(0, this.perUpdate).map((index) => this.samples[index] as TrainingSample);
    const result = await this.backbone.forwardBackward({
      samples,
      loss: { type: 'cross_entropy', aggregation: this.config.algorithm.lossAggregation },
      lossScale: coef,
      temperature: 1,
    });
    // The backbone reports the scaled loss; the metric is the cross-entropy itself, comparable across coefs.
    return { ptx_loss: result.loss / coef };
  }
}
