// Writes configs/ajet_default.yaml and docs/config.md from the config schema (packages/core/src/config/schema.ts),
// and docs/episode-service.md from the episode service's zod schemas (packages/spec/src/episode-service-protocol.ts).
//   pnpm gen:config
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ajetSchema, renderConfigDocs, renderDefaultsYaml, renderEpisodeServiceDocs } from '@ajet/core';

const outputs = [
  { file: new URL('../configs/ajet_default.yaml', import.meta.url), text: renderDefaultsYaml(ajetSchema) },
  { file: new URL('../docs/config.md', import.meta.url), text: renderConfigDocs(ajetSchema) },
  { file: new URL('../docs/episode-service.md', import.meta.url), text: renderEpisodeServiceDocs() },
];
for (const { file, text } of outputs) {
  writeFileSync(file, text);
  process.stdout.write(`wrote ${fileURLToPath(file)}\n`);
}
