import { AjetError, type ChatMessage } from '@ajet/spec';
import { z } from 'zod';

/** An environment server that failed or stopped answering: names the URL and the call. */
export class EnvServiceError extends AjetError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message.endsWith('.') ? message : `${message}.`, {
      code: 'ENV_SERVICE',
      // The environment is the workflow's own dependency: its failures fail episodes, counted, not the backbone.
      blame: 'plugin',
      hint: 'Check that the env_service server at env_url is running and knows env_type.',
      cause: options.cause,
    });
  }
}

const messageSchema = z.object({ role: z.string(), content: z.unknown() }).loose();

/** `state` as servers send it: a list of messages, one message, or text. */
const stateSchema = z.union([z.array(messageSchema), messageSchema, z.string()]).optional();

function toMessages(state: z.output<typeof stateSchema>): ChatMessage[] {
  if (state === undefined) return [];
  const list = typeof state === 'string' ? [{ role: 'user', content: state }] : Array.isArray(state) ? state : [state];
  return list.map((message) => ({
    role: (['system', 'user', 'assistant', 'tool'].includes(message.role)
      ? message.role
      : 'user') as ChatMessage['role'],
    content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content ?? ''),
  }));
}

const createSchema = z.object({
  data: z.object({ state: stateSchema, info: z.object({ instance_id: z.string() }).loose() }).loose(),
});
const stepSchema = z.object({
  data: z
    .object({
      state: stateSchema,
      reward: z.number().optional(),
      is_terminated: z.boolean().optional(),
      info: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
});

export interface EnvStep {
  /** The environment's reply: observations as messages for the agent. */
  messages: ChatMessage[];
  reward?: number;
  terminated: boolean;
  info: Record<string, unknown>;
}

/**
 * A client of AgentJet's env_service protocol: every call is `POST {env_url}/{endpoint}` with
 * `{ env_type, task_id, instance_id, messages, params }`; `get_env_profile` lists task ids, `create` makes an
 * instance for a task (its initial `state`), `step` applies an action, `evaluate` scores, `release` frees it.
 */
export class EnvServiceClient {
  readonly url: string;
  readonly envType: string;
  private readonly timeoutMs: number;

  constructor(options: { url: string; envType: string; timeoutMs?: number }) {
    this.url = options.url.replace(/\/$/, '');
    this.envType = options.envType;
    this.timeoutMs = options.timeoutMs ?? 300_000;
  }

  private async call<T extends z.ZodType>(
    endpoint: string,
    body: { task_id?: string; instance_id?: string; messages?: unknown; params?: Record<string, unknown> },
    schema: T,
    signal?: AbortSignal,
  ): Promise<z.output<T>> {
    const where = `env_service ${this.url}/${endpoint} (env_type ${this.envType})`;
    let response: Response;
    try {
      response = await fetch(`${this.url}/${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          env_type: this.envType,
          task_id: body.task_id ?? null,
          instance_id: body.instance_id ?? null,
          messages: body.messages ?? {},
          params: body.params ?? {},
        }),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(this.timeoutMs)])
          : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new EnvServiceError(`${where} failed: ${(error as Error).message}`, { cause: error });
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new EnvServiceError(
        `${where} answered HTTP ${response.status}: ${JSON.stringify(json ?? null).slice(0, 300)}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const [issue] = parsed.error.issues;
      throw new EnvServiceError(
        `${where} answered outside the protocol at ${issue?.path.join('.')}: ${issue?.message}`,
      );
    }
    return parsed.data;
  }

  /** The task ids of a split (`train`, `val`, … as the server names them). */
  async taskIds(split: string): Promise<string[]> {
    const reply = await this.call(
      'get_env_profile',
      { params: { split } },
      z.object({ data: z.array(z.union([z.string(), z.number()])) }),
    );
    return reply.data.map(String);
  }

  /** Creates an instance for a task: its id and the initial state (the query, system messages). */
  async create(
    taskId: string,
    signal?: AbortSignal,
  ): Promise<{ instanceId: string; messages: ChatMessage[]; info: Record<string, unknown> }> {
    const reply = await this.call('create', { task_id: taskId }, createSchema, signal);
    return { instanceId: reply.data.info.instance_id, messages: toMessages(reply.data.state), info: reply.data.info };
  }

  /** Applies the agent's action (an assistant message) and returns what the environment says back. */
  async step(instanceId: string, action: ChatMessage, signal?: AbortSignal): Promise<EnvStep> {
    const reply = await this.call(
      'step',
      { instance_id: instanceId, messages: { role: action.role, content: action.content } },
      stepSchema,
      signal,
    );
    return {
      messages: toMessages(reply.data.state),
      reward: reply.data.reward,
      terminated: reply.data.is_terminated ?? false,
      info: reply.data.info ?? {},
    };
  }

  /** The environment's score of the instance. */
  async evaluate(instanceId: string, signal?: AbortSignal): Promise<number> {
    const reply = await this.call('evaluate', { instance_id: instanceId }, z.object({ data: z.number() }), signal);
    return reply.data;
  }

  async release(instanceId: string): Promise<void> {
    await this.call('release', { instance_id: instanceId }, z.object({ success: z.boolean().optional() }).loose());
  }
}
