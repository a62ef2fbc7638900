export type { RecordingBackboneOptions, RespondContext } from './recording-backbone.ts';
export {
  decodeTokens,
  END_OF_TEXT,
  encodeText,
  IM_END,
  IM_START,
  RecordingBackbone,
} from './recording-backbone.ts';
export type { JudgeCall } from './recording-judge.ts';
export { RecordingJudge } from './recording-judge.ts';
export type { ScriptedTunerOptions } from './scripted-tuner.ts';
export { addExpression, calcTagParser, scriptedTuner } from './scripted-tuner.ts';
