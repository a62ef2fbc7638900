// The built-in tools, to use or extend from your own code.
export * from '@ajet/tools';
