/**
 * What an unset field of a Backbone request means (packages/spec/src/backbone.ts), for every backbone and server.
 * The Python backend keeps its one Python copy (backend/ajet_backend/service.py, grpc_server.py).
 */
export const backboneDefaults = {
  /** SampleRequest.n, SampleChatRequest.n. */
  completions: 1,
  /** SamplingParams.temperature and ForwardBackwardRequest.temperature. */
  temperature: 1,
  /** SamplingParams.topP. */
  topP: 1,
  /** ForwardBackwardRequest.lossScale. */
  lossScale: 1,
  /** RenderChatRequest.addGenerationPrompt. */
  addGenerationPrompt: true,
} as const;
