export type { AjetErrorOptions, Blame } from './ajet-error.ts';
export { AjetError, isAjetError } from './ajet-error.ts';
export type {
  Backbone,
  BackboneCapabilities,
  BackboneInfo,
  Completion,
  DetokenizeRequest,
  DetokenizeResponse,
  ForwardBackwardRequest,
  ForwardBackwardResponse,
  KlPenalty,
  LossAggregation,
  LossSpec,
  OptimStepRequest,
  OptimStepResponse,
  RenderChatRequest,
  RenderChatResponse,
  SampleChatRequest,
  SampleChatResponse,
  SampleRequest,
  SampleResponse,
  SavedState,
  StateRequest,
  TrainingSample,
} from './backbone.ts';
export type { BackboneErrorOptions } from './backbone-error.ts';
export { BackboneError } from './backbone-error.ts';
export type { BackboneRequestLimits } from './backbone-request-checks.ts';
export {
  BackboneRequestError,
  checkDetokenizeRequest,
  checkForwardBackwardRequest,
  checkOptimStepRequest,
  checkRenderChatRequest,
  checkSampleChatRequest,
  checkSampleRequest,
  defaultMaxCompletions,
  defaultMaxRenderChars,
} from './backbone-request-checks.ts';
export type { ChatMessage, ChatRole, MalformedToolCall, ToolCall, ToolSpec } from './chat-message.ts';
export type { ConfigErrorOptions } from './config-error.ts';
export { ConfigError } from './config-error.ts';
export type { DatasetErrorOptions } from './dataset-error.ts';
export { DatasetError } from './dataset-error.ts';
export type { EpisodeRecord } from './episode-record.ts';
export type {
  AbortRequest,
  AbortResponse,
  ClaimedEpisode,
  ClaimRequest,
  ClaimResponse,
  EndRequest,
  EndResponse,
  EpisodeServiceErrorBody,
  EpisodeServiceErrorCode,
  ServiceStatus,
} from './episode-service-protocol.ts';
export {
  abortRequestSchema,
  abortResponseSchema,
  claimedEpisodeSchema,
  claimRequestSchema,
  claimResponseSchema,
  endRequestSchema,
  endResponseSchema,
  episodeModelPath,
  episodeServiceErrorSchema,
  episodeServiceRoutes,
  episodeTaskSchema,
  serviceStatusSchema,
} from './episode-service-protocol.ts';
export type { Judge, JudgeResult } from './judge.ts';
export type { MetricsRecord, MetricsSink, SinkContext, SinkFactory } from './metrics-sink.ts';
export type { LoadSettingsAt, PluginClass, PluginContext } from './plugin.ts';
export type { PluginErrorOptions, PluginKind } from './plugin-error.ts';
export { NoSuchPluginError, PluginError } from './plugin-error.ts';
export type {
  BackboneContext,
  BackboneFactory,
  BuiltinEntry,
  CreatedBackbone,
  PluginManifest,
} from './plugin-manifest.ts';
export { createRandom, deriveSeed, seededShuffle } from './seeded-random.ts';
export type { SettingPathMeta } from './setting-path.ts';
export { pluginReferenceSetting, settingPath, settingPathRegistry } from './setting-path.ts';
export type { Split, Task, TaskReader } from './task.ts';
export type { Tool, ToolContext } from './tool.ts';
export type { ParsedCompletion, ToolCallParser } from './tool-call-parser.ts';
export type { ModelCall, RolloutError, RolloutErrorKind, TokenSequence, Trajectory } from './trajectory.ts';
export type {
  ChatRequest,
  ChatResponse,
  EpisodeRollout,
  FinishReason,
  SamplingParams,
  Tuner,
  TunerEndpoint,
} from './tuner.ts';
export type { Workflow, WorkflowOutput, WorkflowTask } from './workflow.ts';
