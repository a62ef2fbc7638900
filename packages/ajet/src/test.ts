// Test helpers for plugin authors: recording backbones and judges (`import { … } from 'ajet/test'`).
export * from '@ajet/spec/test';
