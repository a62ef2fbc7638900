import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AjetError } from '@ajet/spec';
import { readExperimentIndex, readTrajectoryFile } from './read-experiment.ts';
import type { ReportData } from './report-data.ts';

const require = createRequire(import.meta.url);

function asset(file: string): string {
  return readFileSync(file, 'utf8');
}

/** The page's fixed parts: uPlot's own dist files and the report's script and style, inlined. */
function pageAssets(): { uplotJs: string; uplotCss: string; reportJs: string; reportCss: string } {
  const assets = {
    uplotJs: asset(require.resolve('uplot/dist/uPlot.iife.min.js')),
    uplotCss: asset(require.resolve('uplot/dist/uPlot.min.css')),
    reportJs: asset(fileURLToPath(new URL('./page/report.js', import.meta.url))),
    reportCss: asset(fileURLToPath(new URL('./page/report.css', import.meta.url))),
  };
  for (const [name, text] of Object.entries(assets)) {
    if (/<\/(script|style)/i.test(text)) {
      throw new AjetError(`The logview asset ${name} contains a closing tag and cannot be inlined.`, {
        code: 'LOGVIEW_ASSET',
        blame: 'system',
        hint: 'Reinstall @ajet/logview’s dependencies (pnpm install).',
      });
    }
  }
  return assets;
}

/** JSON that is safe inside a <script> element: no `<` can close it or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The report page. With `data` it is self-contained (a static `report.html`); without, it polls the
 * `api/…` endpoints of the server that sent it every `pollMs`.
 */
export function renderReportHtml(options: { title: string; data?: ReportData; pollMs?: number }): string {
  const assets = pageAssets();
  const mode = options.data ? 'static' : 'live';
  const dataScript = options.data
    ? `<script type="application/json" id="ajet-data">${scriptJson(options.data)}</script>\n`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ajet · ${escapeHtml(options.title)}</title>
<style>${assets.uplotCss}</style>
<style>${assets.reportCss}</style>
</head>
<body data-mode="${mode}" data-poll-ms="${options.pollMs ?? 2000}">
<header><h1 id="title">${escapeHtml(options.title)}</h1><span id="status" class="status">${
    mode === 'static' ? 'static report' : 'connecting…'
  }</span></header>
<main>
<div id="warnings" class="warnings"></div>
<section id="charts" class="charts" aria-label="charts"></section>
<section aria-label="episodes">
<div class="toolbar">
<label>Step <select data-step-picker></select></label>
<label>Show <select data-episode-filter>
<option value="all">all episodes</option>
<option value="failed">failed (not a success, or errored)</option>
<option value="zero-reward">zero reward</option>
<option value="error">rollout errors</option>
</select></label>
<span data-episode-count class="status"></span>
<span class="legend status">
<span><i class="swatch" style="background:hsl(217 91% 40%)"></i>trained, sampler p≈1</span>
<span><i class="swatch" style="background:hsl(217 91% 85%)"></i>trained, low p</span>
<span><i class="swatch" style="background:#e2e8f0"></i>masked (prompt, template)</span>
<span><i class="swatch" style="background:#fde68a"></i>tool output (masked)</span>
</span>
</div>
<div id="episode-list" data-episode-list></div>
</section>
</main>
${dataScript}<script>${assets.uplotJs}</script>
<script>${assets.reportJs}</script>
</body>
</html>
`;
}

/** Reads the whole experiment (metrics and every trajectory file) into what a static report embeds. */
export async function readReportData(experimentDir: string): Promise<ReportData> {
  const index = await readExperimentIndex(experimentDir);
  const episodes: ReportData['episodes'] = {};
  const warnings = [...index.warnings];
  for (const file of index.trajectories) {
    const parsed = await readTrajectoryFile(experimentDir, file.name);
    episodes[file.name] = parsed.rows;
    warnings.push(...parsed.warnings);
  }
  return { ...index, warnings, episodes };
}

/** Writes `report.html` (or `outFile`): one file, data embedded, nothing fetched. Returns its path. */
export async function writeStaticReport(options: { experimentDir: string; outFile?: string }): Promise<string> {
  const data = await readReportData(options.experimentDir);
  const file = resolve(options.outFile ?? join(options.experimentDir, 'report.html'));
  await writeFile(file, renderReportHtml({ title: data.name, data }));
  return file;
}
