import { z } from 'zod';

/**
 * The Tinker wire format as JSON, transcribed from the official Python SDK `tinker==0.38.0` (`tinker/types`,
 * `tinker/resources`). Responses are lenient (unknown keys pass: the server may add fields); every one is parsed
 * through these schemas before the backbone reads it. Requests are typed the same way so one file holds the
 * protocol. Endpoints are POSTs under `<base_url>/api/v1/`; the key goes in the `X-API-Key` header.
 */
export const tinkerEndpoints = {
  createSession: '/api/v1/create_session',
  getServerCapabilities: '/api/v1/get_server_capabilities',
  createModel: '/api/v1/create_model',
  getInfo: '/api/v1/get_info',
  forwardBackward: '/api/v1/forward_backward',
  optimStep: '/api/v1/optim_step',
  saveWeights: '/api/v1/save_weights',
  saveWeightsForSampler: '/api/v1/save_weights_for_sampler',
  loadWeights: '/api/v1/load_weights',
  asample: '/api/v1/asample',
  retrieveFuture: '/api/v1/retrieve_future',
  healthz: '/api/v1/healthz',
  sessionHeartbeat: '/api/v1/session_heartbeat',
} as const;

/** `tinker/types/tensor_dtype.py`. */
export const tensorDtypeSchema = z.enum(['int64', 'float32']);

/** `tinker/types/_pydantic_types/tensor_data.py`: flattened data, optional shape, optional CSR sparsity. */
export const tensorDataSchema = z.object({
  data: z.array(z.number()),
  dtype: tensorDtypeSchema,
  shape: z.array(z.number().int()).nullish(),
  sparse_crow_indices: z.array(z.number().int()).nullish(),
  sparse_col_indices: z.array(z.number().int()).nullish(),
});
export type TensorData = z.infer<typeof tensorDataSchema>;

/** `tinker/types/encoded_text_chunk.py` (the only chunk kind ajet sends; images and dmel chunks exist too). */
export const encodedTextChunkSchema = z.object({
  type: z.literal('encoded_text'),
  tokens: z.array(z.number().int()),
});

/** `tinker/types/_pydantic_types/model_input.py`. */
export const modelInputSchema = z.object({ chunks: z.array(encodedTextChunkSchema) });
export type ModelInput = z.infer<typeof modelInputSchema>;

/** `tinker/types/_pydantic_types/datum.py`: loss_fn_inputs keys are target_tokens, weights, advantages, logprobs, ... */
export const datumSchema = z.object({
  model_input: modelInputSchema,
  loss_fn_inputs: z.record(z.string(), tensorDataSchema),
});
export type Datum = z.infer<typeof datumSchema>;

/** `tinker/types/loss_fn_type.py`. */
export const lossFnTypeSchema = z.enum([
  'cross_entropy',
  'importance_sampling',
  'ppo',
  'cispo',
  'dro',
  'gspo',
  'stable_reinforce',
  'custom',
]);
export type LossFnType = z.infer<typeof lossFnTypeSchema>;

/** `tinker/types/forward_backward_request.py` + `_pydantic_types/forward_backward_input.py`. */
export interface ForwardBackwardRequestBody {
  model_id: string;
  seq_id?: number;
  forward_backward_input: {
    data: Datum[];
    loss_fn: LossFnType;
    loss_fn_config?: Record<string, number | string>;
  };
}

/** `tinker/types/optimizer.py` AdamParams (sent as `adam_params`, see optim_step_request.py's serializer). */
export interface AdamParams {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  grad_clip_norm: number;
}

/** `tinker/types/sampling_params.py`. */
export interface SamplingParamsBody {
  max_tokens?: number;
  seed?: number;
  stop?: string[] | number[];
  temperature: number;
  top_k: number;
  top_p: number;
}

/** `tinker/types/sample_request.py` (the fields ajet sets). */
export interface SampleRequestBody {
  type: 'sample';
  num_samples: number;
  prompt: ModelInput;
  sampling_params: SamplingParamsBody;
  base_model?: string;
  model_path?: string;
  prompt_logprobs?: boolean;
  topk_prompt_logprobs: number;
  topk_sample_logprobs: number;
  prompt_alt_tokens_k: number;
}

/** `tinker/types/create_session_response.py`. */
export const createSessionResponseSchema = z.object({
  session_id: z.string(),
  info_message: z.string().nullish(),
  warning_message: z.string().nullish(),
  error_message: z.string().nullish(),
});

/** `tinker/types/session_heartbeat_response.py` (the SDK posts `{session_id}` every 10 s; a session without them ends). */
export const sessionHeartbeatResponseSchema = z.looseObject({});

/** `tinker/types/shared/untyped_api_future.py`: what every queued call answers at once. */
export const untypedApiFutureSchema = z.object({
  request_id: z.string(),
  model_id: z.string().nullish(),
});

/** `tinker/types/try_again_response.py`: the future is not done yet; poll again. */
export const tryAgainResponseSchema = z.object({
  type: z.literal('try_again'),
  request_id: z.string(),
  queue_state: z.string().nullish(),
});

/**
 * `tinker/types/request_failed_response.py`. `code` and `hint` are ajet's own additions (its backend's Tinker front
 * sends them, other servers do not): the error's stable code and what to do, as over gRPC.
 */
export const requestFailedResponseSchema = z.object({
  error: z.string(),
  category: z.string().nullish(),
  code: z.string().nullish(),
  hint: z.string().nullish(),
});

/** `tinker/types/create_model_response.py`. */
export const createModelResponseSchema = z.object({ model_id: z.string() });

/** `tinker/types/_pydantic_types/get_info_response.py`. */
export const getInfoResponseSchema = z.object({
  model_id: z.string(),
  model_data: z.object({
    arch: z.string().nullish(),
    model_name: z.string().nullish(),
    tokenizer_id: z.string().nullish(),
  }),
  is_lora: z.boolean().nullish(),
  lora_rank: z.number().int().nullish(),
  model_name: z.string().nullish(),
});

/** `tinker/types/get_server_capabilities_response.py`. */
export const getServerCapabilitiesResponseSchema = z.object({
  supported_models: z.array(
    z.object({
      model_name: z.string().nullish(),
      max_context_length: z.number().int().nullish(),
      trainable: z.boolean().nullish(),
      sampleable: z.boolean().nullish(),
    }),
  ),
});

/** `tinker/types/forward_backward_output.py`: per datum a dict of tensors (`logprobs`, `elementwise_loss`, ...). */
export const forwardBackwardOutputSchema = z.object({
  loss_fn_output_type: z.string(),
  loss_fn_outputs: z.array(z.record(z.string(), tensorDataSchema)),
  metrics: z.record(z.string(), z.number()).default({}),
});
export type ForwardBackwardOutput = z.infer<typeof forwardBackwardOutputSchema>;

/** `tinker/types/_pydantic_types/optim_step_response.py`. */
export const optimStepResponseSchema = z.object({ metrics: z.record(z.string(), z.number()).nullish() });

/** `tinker/types/save_weights_response.py` and `_pydantic_types/save_weights_for_sampler_response.py`. */
export const saveWeightsResponseSchema = z.object({ path: z.string() });

/** `tinker/types/_pydantic_types/load_weights_response.py`. */
export const loadWeightsResponseSchema = z.object({ path: z.string().nullish(), model_id: z.string().nullish() });

/** `tinker/types/stop_reason.py`. */
export const stopReasonSchema = z.enum(['length', 'stop']);

/** `tinker/types/sampled_sequence.py` in its JSON form (tokens and logprobs as lists). */
export const sampledSequenceSchema = z.object({
  tokens: z.array(z.number().int()),
  logprobs: z.array(z.number()).nullish(),
  stop_reason: stopReasonSchema,
  sequence_id: z.string().nullish(),
});

/** `tinker/types/sample_response.py` in its JSON form. */
export const sampleResponseSchema = z.object({
  sequences: z.array(sampledSequenceSchema),
  prompt_logprobs: z.array(z.number().nullable()).nullish(),
});
export type TinkerSampleResponse = z.infer<typeof sampleResponseSchema>;

/** A 1-D tensor of `dtype` holding `values`. */
export function tensor(values: readonly number[], dtype: 'int64' | 'float32'): TensorData {
  return { data: [...values], dtype, shape: [values.length] };
}

/** The dense values of a tensor, densifying CSR with zeros. */
export function tensorValues(tensorData: TensorData): number[] {
  const { data, shape, sparse_crow_indices: rows, sparse_col_indices: columns } = tensorData;
  if (!rows || !columns || !shape) return data;
  const width = shape[1] ?? 0;
  const dense = new Array<number>((shape[0] ?? 0) * width).fill(0);
  for (let row = 0; row + 1 < rows.length; row++) {
    for (let index = rows[row] ?? 0; index < (rows[row + 1] ?? 0); index++) {
      dense[row * width + (columns[index] ?? 0)] = data[index] ?? 0;
    }
  }
  return dense;
}
