// The types and helpers a plugin author needs: `import type { Judge, Workflow, Tool } from 'ajet'`.
export * from '@ajet/spec';
