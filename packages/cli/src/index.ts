export { builtins } from './builtins.ts';
export { consoleObserver } from './console-observer.ts';
export { createBackbone } from './create-backbone.ts';
export { main } from './main.ts';
