import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';

/** The text of a markdown file outside fenced code blocks, one entry a line (fenced lines blanked, so numbers hold). */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return '';
    }
    return fence === undefined ? line : '';
  });
}

/** The anchors GitHub gives a file's headings (and its explicit `<a id>`/`<a name>` anchors). */
function headingAnchors(text: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      // GitHub slugs the rendered text: a link keeps its text (the slugger drops code and emphasis markers itself).
      anchors.add(slugger.slug(heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')));
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  }
  return anchors;
}

/** `[text](target)` links of a file's prose, with their line numbers; inline code spans are not links. */
function markdownLinks(text: string): { line: number; target: string }[] {
  return proseLines(text).flatMap((line, index) =>
    [...line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({
      line: index + 1,
      target: match[1] as string,
    })),
  );
}

describe('markdown links', () => {
  it('reads headings as GitHub anchors them', () => {
    const anchors = headingAnchors(
      [
        '# ajet',
        '### Now: PPO-ptx at 0.3 and lr 1.5e-4, 120 steps (since 2026-12-05, evening)',
        '### Before: `builtin:tinylm-calculator-deep-define`, constant lr 2e-4',
        '## The pieces (all in `calculator_agent.yaml`)',
        '```bash',
        '# a comment, not a heading',
        '```',
        '## Run it',
        '## Run it',
      ].join('\n'),
    );
    expect([...anchors]).toEqual([
      'ajet',
      'now-ppo-ptx-at-03-and-lr-15e-4-120-steps-since-2026-12-05-evening',
      'before-builtintinylm-calculator-deep-define-constant-lr-2e-4',
      'the-pieces-all-in-calculator_agentyaml',
      'run-it',
      'run-it-1',
    ]);
  });

  it('finds links outside code, with their lines', () => {
    const text = 'See [a](b.md#c) and `[not](x.md)`.\n```\n[no](y.md)\n```\n[d](#e "title")';
    expect(markdownLinks(text)).toEqual([
      { line: 1, target: 'b.md#c' },
      { line: 5, target: '#e' },
    ]);
  });

  it('every relative link of every tracked markdown file reaches a file, and its #anchor a heading there', () => {
    const files = execFileSync('git', ['ls-files', '*.md'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && existsSync(join(REPO_ROOT, file)));
    expect(files.length).toBeGreaterThan(10);
    const anchorsOf = new Map<string, Set<string>>();
    const anchors = (path: string) => {
      let found = anchorsOf.get(path);
      if (found === undefined) {
        found = headingAnchors(readFileSync(path, 'utf8'));
        anchorsOf.set(path, found);
      }
      return found;
    };
    const broken: string[] = [];
    for (const file of files) {
      const path = join(REPO_ROOT, file);
      for (const { line, target } of markdownLinks(readFileSync(path, 'utf8'))) {
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:, vscode: …
        const [pathPart = '', anchor] = target.split('#');
        const targetPath = pathPart === '' ? path : resolve(dirname(path), decodeURIComponent(pathPart));
        if (relative(REPO_ROOT, targetPath).startsWith('..')) continue; // ../shared and the like: not ours
        if (!existsSync(targetPath)) broken.push(`${file}:${line}: ${target}: no such file`);
        else if (anchor !== undefined && anchor !== '' && targetPath.endsWith('.md')) {
          if (!anchors(targetPath).has(anchor)) broken.push(`${file}:${line}: ${target}: no such heading`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
