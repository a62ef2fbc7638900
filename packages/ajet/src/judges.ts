// The built-in judges, to use or extend from your own code.
export * from '@ajet/judges';
