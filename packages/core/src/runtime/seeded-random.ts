export { createRandom, deriveSeed, seededShuffle } from '@ajet/spec';
