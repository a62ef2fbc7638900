// The built-in workflows, to use or extend from your own code.
export * from '@ajet/workflows';
