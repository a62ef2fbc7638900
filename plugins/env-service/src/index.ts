export { EnvEpisode, envServiceRefSchema } from './env-episode.ts';
export type { EnvStep } from './env-service-client.ts';
export { EnvServiceClient, EnvServiceError } from './env-service-client.ts';
export type { EnvServiceJudgeSettings } from './env-service-judge.ts';
export { EnvServiceJudge } from './env-service-judge.ts';
export type { EnvServiceReaderSettings } from './env-service-reader.ts';
export { EnvServiceReader } from './env-service-reader.ts';
export { manifest } from './manifest.ts';
