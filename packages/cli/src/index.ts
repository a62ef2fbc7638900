export { builtinNames, builtins } from './builtins.ts';
export { consoleObserver } from './console-observer.ts';
export { main } from './main.ts';
