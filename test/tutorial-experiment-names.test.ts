import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../packages/core/src/index.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

describe('tutorial experiment folders', () => {
  it('every tutorial YAML resolves to its own experiment_name, so two tutorials never share a folder', () => {
    const folder = join(REPO_ROOT, 'tutorial');
    const files = readdirSync(folder, { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => join(folder, name));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const owners = new Map<string, string[]>();
    for (const file of files) {
      const name = loadConfig({ file, sets: [] }).config.experimentName;
      owners.set(name, [...(owners.get(name) ?? []), file.slice(folder.length + 1)]);
    }
    const shared = [...owners].filter(([, users]) => users.length > 1);
    expect(shared).toEqual([]);
  });
});
