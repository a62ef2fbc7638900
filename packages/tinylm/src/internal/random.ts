export { createRandom } from '@ajet/spec';
