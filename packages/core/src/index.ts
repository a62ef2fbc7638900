export type { CamelKeys, SnakeToCamel } from './config/camel-keys.ts';
export { section, snakeToCamel } from './config/camel-keys.ts';
export { didYouMean } from './config/did-you-mean.ts';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config.ts';
export { loadConfig, stringifyResolvedConfig } from './config/load-config.ts';
export { renderConfigDocs, renderDefaultsYaml } from './config/render-defaults.ts';
export type { AjetConfig, AjetConfigInput } from './config/schema.ts';
export { ajetSchema, configFileSchema } from './config/schema.ts';
export { EpisodeAbortedByClient, EpisodeBoard } from './episode-service/episode-board.ts';
export { episodeServiceOpenApi, renderEpisodeServiceDocs } from './episode-service/openapi-document.ts';
export { manifest } from './plugins/core-manifest.ts';
export type {
  LoadPluginOptions,
  PluginLoaderOptions,
  ResolvedPlugin,
} from './plugins/plugin-loader.ts';
export { PluginLoader } from './plugins/plugin-loader.ts';
export type { PluginReference } from './plugins/plugin-reference.ts';
export { parsePluginReference } from './plugins/plugin-reference.ts';
export type { CreatedBackbone, JobOptions, JobResult } from './run-job.ts';
export { runJob } from './run-job.ts';
export type { AdvantageEstimator, GroupAdvantages } from './runtime/advantages.ts';
export { groupAdvantages } from './runtime/advantages.ts';
export type { ChatCompletionsReply } from './runtime/chat-completions-handler.ts';
export { handleChatCompletion } from './runtime/chat-completions-handler.ts';
export type { ChatPolicy, PolicyChatOptions } from './runtime/chat-policy.ts';
export { mapWithLimit } from './runtime/concurrency-limit.ts';
export type { EndpointPolicyOptions } from './runtime/endpoint-policy.ts';
export { EndpointPolicy } from './runtime/endpoint-policy.ts';
export { EpisodeEndpointServer } from './runtime/episode-endpoint-server.ts';
export type { EpisodeTunerOptions } from './runtime/episode-tuner.ts';
export { EpisodeTuner } from './runtime/episode-tuner.ts';
export { JsonlMetricsSink, writeFileAtomic } from './runtime/experiment-files.ts';
export { GuardedSink } from './runtime/guarded-sink.ts';
export type { EpisodeResult, RunEpisodeOptions } from './runtime/run-episode.ts';
export { runEpisode } from './runtime/run-episode.ts';
export type { RunObserver, RunPhase } from './runtime/run-observer.ts';
export { createRandom, deriveSeed, seededShuffle } from './runtime/seeded-random.ts';
export { TokenPolicy } from './runtime/token-policy.ts';
export type { EvalSummary, TrainerOptions, TrainSummary } from './runtime/trainer.ts';
export { Trainer } from './runtime/trainer.ts';
export { sameMessage, TrajectoryTracker } from './runtime/trajectory-tracker.ts';
