// Writes packages/proto/src/generated/ (the TypeScript wire types) from ajet/v1/backend.proto.
//   pnpm gen:proto
import { rm } from 'node:fs/promises';
import { generatedFolder, generateWireTypes } from '../src/generate-wire-types.ts';

await rm(generatedFolder, { recursive: true, force: true });
await generateWireTypes(generatedFolder);
process.stdout.write(`wrote ${generatedFolder}\n`);
