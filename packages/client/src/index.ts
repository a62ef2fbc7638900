export type { AjetClientOptions } from './ajet-client.ts';
export { AjetClient, EpisodeServiceError } from './ajet-client.ts';
export type { EndOptions, EpisodeTask } from './episode.ts';
export { Episode } from './episode.ts';
