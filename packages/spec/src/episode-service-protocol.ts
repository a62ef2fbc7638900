import { z } from 'zod';

// The episode service's wire format (DESIGN §10): the one definition the trainer's server, the TypeScript client and
// docs/episode-service.md (an OpenAPI document generated from these schemas) share. Snake_case, like the OpenAI API,
// so a Python or Go client reads naturally. Lenient with wire data: unknown fields are ignored.

export const episodeServiceErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(['unauthorized', 'invalid_request', 'not_found', 'conflict', 'expired', 'finished'])
        .describe('stable: what went wrong'),
      message: z.string().describe('one line saying what to do'),
    }),
  })
  .describe('Every non-2xx answer of the control API');

export const claimRequestSchema = z
  .object({
    client_id: z
      .string()
      .max(200)
      .optional()
      .describe('a name for this client; shown in warnings and kept in the episode metadata'),
    wait_s: z
      .number()
      .min(0)
      .max(60)
      .default(20)
      .describe('seconds to wait for an episode to be offered before answering `none` (long poll)'),
  })
  .describe('Claim the next offered episode');

export const episodeTaskSchema = z
  .object({
    task_id: z.string(),
    main_query: z.string().describe("the question the agent is given (the task reader's main query)"),
    init_messages: z
      .array(z.object({ role: z.string(), content: z.string() }).loose())
      .optional()
      .describe('messages that come before the query, when the task has them'),
    metadata: z
      .record(z.string(), z.unknown())
      .describe('the reference answer and whatever a reward needs: for the client, not for the agent'),
  })
  .describe('The task of an episode, as the task reader gave it');

export const claimedEpisodeSchema = z
  .object({
    episode_id: z.string().describe('names the episode in /v1/episodes/{episode_id}/end and /abort'),
    task_tag: z.string().describe('T{task id}#R{repeat}: the GRPO group and the member of it'),
    split: z.enum(['train', 'validation']),
    repeat_index: z.number().int().nonnegative(),
    task: episodeTaskSchema,
    base_url: z
      .string()
      .describe(
        "this episode's model: an OpenAI-compatible base URL (POST {base_url}/chat/completions); every call is recorded token for token",
      ),
    api_key: z.string().describe('the bearer key for base_url; it stops working when the episode ends'),
    model: z.string().describe('the model name to send'),
    deadline: z
      .string()
      .describe('ISO 8601: end the episode before this (rollout.episode_timeout_s), or it fails as a timeout'),
    deadline_ms: z.number().describe('milliseconds from this answer to the deadline (immune to clock skew)'),
    max_steps: z.number().int().positive().describe('model calls per episode at most (rollout.multi_turn.max_steps)'),
  })
  .describe('An episode this client now owns');

export const claimResponseSchema = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('claimed'), episode: claimedEpisodeSchema }),
    z.object({ status: z.literal('none') }).describe('nothing was offered within wait_s: claim again'),
    z.object({ status: z.literal('finished') }).describe('the run is over: stop claiming'),
  ])
  .describe('The claimed episode, or why there is none');

export const endRequestSchema = z
  .object({
    reward: z
      .number()
      .optional()
      .describe("the episode's reward; omit it to have the configured judge (task_judge) score the episode"),
    is_success: z.boolean().optional().describe('defaults to reward > 0 (or the judge says)'),
    final_answer: z.string().optional().describe("the agent's final answer: what the judge reads"),
    metadata: z.record(z.string(), z.unknown()).optional().describe('kept with the episode in the trajectory file'),
  })
  .describe('End an episode: with a reward, or without one to ask the judge');

export const endResponseSchema = z.object({
  episode_id: z.string(),
  status: z.literal('ended'),
  judged: z.boolean().describe('true when the configured judge scores the episode (no reward was sent)'),
});

export const abortRequestSchema = z
  .object({ reason: z.string().max(4000).optional().describe('kept as the failed episode error message') })
  .describe('Give up an episode: it fails (rollout.on_error decides what its group trains)');

export const abortResponseSchema = z.object({ episode_id: z.string(), status: z.literal('aborted') });

export const serviceStatusSchema = z
  .object({
    open: z.number().int().describe('episodes offered and not claimed yet'),
    claimed: z.number().int().describe('episodes claimed and running'),
    ended: z.number().int().describe('episodes ended by a client (reward or judge)'),
    aborted: z.number().int().describe('episodes a client aborted'),
    expired: z.number().int().describe('claimed episodes that passed their deadline (a client died or was too slow)'),
    unclaimed_expired: z.number().int().describe('episodes nobody claimed before their deadline'),
    finished: z.boolean().describe('the run is over'),
  })
  .describe('Counters since the service started');

export type EpisodeServiceErrorBody = z.output<typeof episodeServiceErrorSchema>;
export type EpisodeServiceErrorCode = EpisodeServiceErrorBody['error']['code'];
export type ClaimRequest = z.input<typeof claimRequestSchema>;
export type ClaimedEpisode = z.output<typeof claimedEpisodeSchema>;
export type ClaimResponse = z.output<typeof claimResponseSchema>;
export type EndRequest = z.input<typeof endRequestSchema>;
export type EndResponse = z.output<typeof endResponseSchema>;
export type AbortRequest = z.input<typeof abortRequestSchema>;
export type AbortResponse = z.output<typeof abortResponseSchema>;
export type ServiceStatus = z.output<typeof serviceStatusSchema>;

/**
 * The control API, one entry per route: the server dispatches on it, the client calls it, the OpenAPI document is
 * generated from it. Every route needs `Authorization: Bearer <token>` (the service token).
 */
export const episodeServiceRoutes = {
  claim: {
    method: 'POST',
    path: '/v1/episodes/claim',
    summary: 'Claim the next offered episode (long poll up to wait_s)',
    request: claimRequestSchema,
    response: claimResponseSchema,
  },
  end: {
    method: 'POST',
    path: '/v1/episodes/{episode_id}/end',
    summary: 'End a claimed episode with a reward, or ask the judge to score it',
    request: endRequestSchema,
    response: endResponseSchema,
  },
  abort: {
    method: 'POST',
    path: '/v1/episodes/{episode_id}/abort',
    summary: 'Abort a claimed episode: it fails and is counted',
    request: abortRequestSchema,
    response: abortResponseSchema,
  },
  status: {
    method: 'GET',
    path: '/v1/status',
    summary: 'Counters of offered, claimed, ended and failed episodes',
    request: undefined,
    response: serviceStatusSchema,
  },
} as const;

/** `{base}/episodes/{episode_id}/v1`: an episode's OpenAI-compatible model URL, keyed by its own api_key. */
export function episodeModelPath(episodeId: string): string {
  return `/episodes/${encodeURIComponent(episodeId)}/v1`;
}
