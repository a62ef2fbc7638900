// Original file: ajet/v1/backend.proto

/**
 * The error codes a backend server sends: the one table every server raises from (TypeScript reads it from the
 * generated types, Python from its stubs). Never sent as a number: ErrorDetail.code carries the name.
 */
export const ErrorCode = {
  ERROR_CODE_UNSPECIFIED: 'ERROR_CODE_UNSPECIFIED',
  /**
   * A request breaks a rule of the protocol (backbone-request-checks); the message names the field.
   */
  BACKBONE_INVALID_REQUEST: 'BACKBONE_INVALID_REQUEST',
  /**
   * SaveState/LoadState name is absolute, has `..`, odd characters, or leads out of the state root.
   */
  STATE_NAME_INVALID: 'STATE_NAME_INVALID',
  /**
   * The server was started without a state root, so it keeps no state.
   */
  STATE_ROOT_MISSING: 'STATE_ROOT_MISSING',
  /**
   * LoadState: a file of the saved state differs from what its manifest says was written.
   */
  STATE_DAMAGED: 'STATE_DAMAGED',
  /**
   * LoadState: no saved state under that name.
   */
  STATE_MISSING: 'STATE_MISSING',
  /**
   * LoadState: the saved state has no weights file.
   */
  STATE_WEIGHTS_MISSING: 'STATE_WEIGHTS_MISSING',
  /**
   * ForwardBackward: loss is unset.
   */
  LOSS_MISSING: 'LOSS_MISSING',
  LOSS_TYPE: 'LOSS_TYPE',
  LOSS_AGGREGATION: 'LOSS_AGGREGATION',
  LOSS_CLIP: 'LOSS_CLIP',
  LOSS_DUAL_CLIP: 'LOSS_DUAL_CLIP',
  LOSS_KL: 'LOSS_KL',
  /**
   * loss.kl is set but the backend keeps no reference policy.
   */
  LOSS_KL_REFERENCE: 'LOSS_KL_REFERENCE',
  OPTIM_LEARNING_RATE: 'OPTIM_LEARNING_RATE',
  /**
   * Sample: the prompt leaves no room in max_model_len.
   */
  SAMPLE_PROMPT_TOO_LONG: 'SAMPLE_PROMPT_TOO_LONG',
  SAMPLE_EMPTY_PROMPT: 'SAMPLE_EMPTY_PROMPT',
  /**
   * ForwardBackward: a sample's arrays differ in length.
   */
  SAMPLE_SHAPE: 'SAMPLE_SHAPE',
  /**
   * ForwardBackward: the first token of a sample is masked in.
   */
  SAMPLE_MASK: 'SAMPLE_MASK',
  /**
   * The tokenizer has no chat template.
   */
  RENDER_NO_TEMPLATE: 'RENDER_NO_TEMPLATE',
  RENDER_PREFIX_COUNT: 'RENDER_PREFIX_COUNT',
  RENDER_PREFIX_NO_END_OF_TURN: 'RENDER_PREFIX_NO_END_OF_TURN',
  RENDER_PREFIX_TURNS: 'RENDER_PREFIX_TURNS',
  /**
   * The sampling engine returned fewer logprobs than tokens.
   */
  VLLM_LOGPROBS_MISSING: 'VLLM_LOGPROBS_MISSING',
  /**
   * A worker of a distributed learner (the Ray application) died; the learner restarted from its last saved or
   * loaded state and lost the gradients accumulated since the last OptimStep. Retryable: repeat the step.
   */
  LEARNER_RESTARTED: 'LEARNER_RESTARTED',
} as const;

/**
 * The error codes a backend server sends: the one table every server raises from (TypeScript reads it from the
 * generated types, Python from its stubs). Never sent as a number: ErrorDetail.code carries the name.
 */
export type WireErrorCode =
  | 'ERROR_CODE_UNSPECIFIED'
  | 0
  /**
   * A request breaks a rule of the protocol (backbone-request-checks); the message names the field.
   */
  | 'BACKBONE_INVALID_REQUEST'
  | 1
  /**
   * SaveState/LoadState name is absolute, has `..`, odd characters, or leads out of the state root.
   */
  | 'STATE_NAME_INVALID'
  | 2
  /**
   * The server was started without a state root, so it keeps no state.
   */
  | 'STATE_ROOT_MISSING'
  | 3
  /**
   * LoadState: a file of the saved state differs from what its manifest says was written.
   */
  | 'STATE_DAMAGED'
  | 4
  /**
   * LoadState: no saved state under that name.
   */
  | 'STATE_MISSING'
  | 5
  /**
   * LoadState: the saved state has no weights file.
   */
  | 'STATE_WEIGHTS_MISSING'
  | 6
  /**
   * ForwardBackward: loss is unset.
   */
  | 'LOSS_MISSING'
  | 7
  | 'LOSS_TYPE'
  | 8
  | 'LOSS_AGGREGATION'
  | 9
  | 'LOSS_CLIP'
  | 10
  | 'LOSS_DUAL_CLIP'
  | 11
  | 'LOSS_KL'
  | 12
  /**
   * loss.kl is set but the backend keeps no reference policy.
   */
  | 'LOSS_KL_REFERENCE'
  | 13
  | 'OPTIM_LEARNING_RATE'
  | 14
  /**
   * Sample: the prompt leaves no room in max_model_len.
   */
  | 'SAMPLE_PROMPT_TOO_LONG'
  | 15
  | 'SAMPLE_EMPTY_PROMPT'
  | 16
  /**
   * ForwardBackward: a sample's arrays differ in length.
   */
  | 'SAMPLE_SHAPE'
  | 17
  /**
   * ForwardBackward: the first token of a sample is masked in.
   */
  | 'SAMPLE_MASK'
  | 18
  /**
   * The tokenizer has no chat template.
   */
  | 'RENDER_NO_TEMPLATE'
  | 19
  | 'RENDER_PREFIX_COUNT'
  | 20
  | 'RENDER_PREFIX_NO_END_OF_TURN'
  | 21
  | 'RENDER_PREFIX_TURNS'
  | 22
  /**
   * The sampling engine returned fewer logprobs than tokens.
   */
  | 'VLLM_LOGPROBS_MISSING'
  | 23
  /**
   * A worker of a distributed learner (the Ray application) died; the learner restarted from its last saved or
   * loaded state and lost the gradients accumulated since the last OptimStep. Retryable: repeat the step.
   */
  | 'LEARNER_RESTARTED'
  | 24

/**
 * The error codes a backend server sends: the one table every server raises from (TypeScript reads it from the
 * generated types, Python from its stubs). Never sent as a number: ErrorDetail.code carries the name.
 */
export type WireErrorCodeDecoded = typeof ErrorCode[keyof typeof ErrorCode]
