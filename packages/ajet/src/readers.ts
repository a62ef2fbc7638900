// The built-in readers, to use or extend from your own code.
export * from '@ajet/readers';
