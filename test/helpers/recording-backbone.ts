// The recording test backbone as a backbone plugin, added the way a user adds one: `ajet.backbone` (or
// `--backbone`) set to "<this file>->createRecordingBackbone". It is not a built-in: production never sees it.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackboneFactory } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';

export const createRecordingBackbone: BackboneFactory = async () => ({
  backbone: new RecordingBackbone(),
  description: 'recording test backbone (scripted replies, in process)',
  inProcess: true,
});

/** The `backbone:` / `--backbone` value that names it, from any folder. */
export const RECORDING_BACKBONE = `${join(fileURLToPath(new URL('.', import.meta.url)), 'recording-backbone.ts')}->createRecordingBackbone`;
