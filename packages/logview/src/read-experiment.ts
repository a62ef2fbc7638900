import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AjetError } from '@ajet/spec';
import { z } from 'zod';
import { buildCharts } from './charts.ts';
import { type EpisodeLine, toEpisodeView } from './episode-view.ts';
import type { EpisodeView, ExperimentIndex, MetricsRow, TrajectoryFile } from './report-data.ts';

const metricsRowSchema = z.object({
  step: z.number().int(),
  phase: z.string(),
  metrics: z.record(z.string(), z.number().nullable()),
  time: z.number().default(0),
});

// Lenient with what a run wrote: everything the viewer does not draw may be missing.
const episodeLineSchema = z
  .object({
    step: z.number().int(),
    split: z.string().default('train'),
    episodeId: z.string(),
    taskId: z.string().default(''),
    taskTag: z.string().default(''),
    repeatIndex: z.number().int().default(0),
    reward: z.number().nullable(),
    isSuccess: z.boolean().default(false),
    advantage: z.number().nullable().default(null),
    trained: z.boolean().default(false),
    judgeDetails: z.record(z.string(), z.unknown()).optional(),
    finalAnswer: z.string().optional(),
    error: z.object({ kind: z.string(), message: z.string() }).loose().optional(),
    durationMs: z.number().optional(),
    messages: z
      .array(
        z
          .object({
            role: z.string(),
            content: z
              .string()
              .nullable()
              .transform((content) => content ?? ''),
            toolCalls: z.array(z.object({ name: z.string(), arguments: z.string() }).loose()).optional(),
            malformedToolCalls: z.array(z.unknown()).optional(),
          })
          .loose(),
      )
      .default([]),
    sequences: z
      .array(
        z
          .object({ tokenIds: z.array(z.number()), lossMask: z.array(z.number()), logprobs: z.array(z.number()) })
          .loose(),
      )
      .default([]),
    tokenTexts: z.array(z.array(z.string())).optional(),
  })
  .loose();

export interface Parsed<T> {
  rows: T[];
  /** One line per row that was skipped, naming the file and row. */
  warnings: string[];
}

function jsonLines<T>(options: { text: string; file: string; parse: (value: unknown) => T | string }): Parsed<T> {
  const rows: T[] = [];
  const warnings: string[] = [];
  const lines = options.text.split('\n');
  // A live run may be halfway through its last line: that one is not an error yet.
  const complete = options.text.endsWith('\n') ? lines.length : lines.length - 1;
  for (let index = 0; index < complete; index++) {
    const line = lines[index] ?? '';
    if (line.trim().length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      warnings.push(`${options.file} row ${index + 1}: not JSON; skipped`);
      continue;
    }
    const parsed = options.parse(value);
    if (typeof parsed === 'string') warnings.push(`${options.file} row ${index + 1}: ${parsed}; skipped`);
    else rows.push(parsed);
  }
  return { rows, warnings };
}

function issueText(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'invalid';
}

/** Parses `metrics.jsonl`; bad rows become warnings, NaN metrics (written as null) stay null. */
export function parseMetrics(text: string, file = 'metrics.jsonl'): Parsed<MetricsRow> {
  return jsonLines({
    text,
    file,
    parse: (value) => {
      const result = metricsRowSchema.safeParse(value);
      return result.success ? result.data : issueText(result.error);
    },
  });
}

/** Parses one `trajectories/*.jsonl` file into what the page draws. */
export function parseTrajectories(text: string, file: string): Parsed<EpisodeView> {
  return jsonLines({
    text,
    file,
    parse: (value) => {
      const result = episodeLineSchema.safeParse(value);
      return result.success ? toEpisodeView(result.data as EpisodeLine) : issueText(result.error);
    },
  });
}

const TRAJECTORY_NAME = /^(?:(val|eval)-(?:([a-z][a-z0-9_]*)-)?)?step-(\d+)$/;

/**
 * `step-3` → train step 3; `val-step-3` → validation at step 3; `val-heldout-step-3` → the extra validation set
 * `heldout` at step 3; anything else → undefined.
 */
export function trajectoryFile(name: string): TrajectoryFile | undefined {
  const match = TRAJECTORY_NAME.exec(name);
  if (!match) return undefined;
  const phase = match[1] === 'val' ? 'val' : match[1] === 'eval' ? 'eval' : 'train';
  return { name, step: Number(match[3]), phase, ...(match[2] ? { set: match[2] } : {}) };
}

/** The error for a folder a run did not write. */
export function notAnExperiment(dir: string, reason: string): AjetError {
  return new AjetError(`${dir} is not an experiment folder (${reason}).`, {
    code: 'LOGVIEW_NOT_AN_EXPERIMENT',
    blame: 'user',
    hint: 'Pass the folder a training run printed after "writing to", e.g. saved_experiments/<experiment_name>.',
  });
}

/** Throws unless `dir` holds a run's `metrics.jsonl`. */
export function assertExperimentDir(dir: string): void {
  if (!existsSync(dir)) throw notAnExperiment(dir, 'no such folder');
  if (!statSync(dir).isDirectory()) throw notAnExperiment(dir, 'it is a file');
  if (!existsSync(join(dir, 'metrics.jsonl'))) throw notAnExperiment(dir, 'no metrics.jsonl');
}

async function listTrajectories(dir: string): Promise<{ files: TrajectoryFile[]; stamp: string }> {
  const folder = join(dir, 'trajectories');
  if (!existsSync(folder)) return { files: [], stamp: '' };
  const names = (await readdir(folder)).filter((name) => name.endsWith('.jsonl')).map((name) => name.slice(0, -6));
  const files = names
    .map(trajectoryFile)
    .filter((file): file is TrajectoryFile => file !== undefined)
    .sort((left, right) => left.step - right.step || left.phase.localeCompare(right.phase));
  return { files, stamp: files.map((file) => file.name).join(',') };
}

/**
 * Reads an experiment's metrics and the list of its trajectory files. `metrics.jsonl` may be missing only when
 * `allowEmpty` is set (a live run before its first step).
 */
export async function readExperimentIndex(
  dir: string,
  options: { allowEmpty?: boolean } = {},
): Promise<ExperimentIndex> {
  const folder = resolve(dir);
  if (!options.allowEmpty) assertExperimentDir(folder);
  const metricsFile = join(folder, 'metrics.jsonl');
  let metricsText = '';
  let metricsStamp = '0';
  if (existsSync(metricsFile)) {
    metricsText = await readFile(metricsFile, 'utf8');
    const info = await stat(metricsFile);
    metricsStamp = `${info.size}:${info.mtimeMs}`;
  }
  const metrics = parseMetrics(metricsText, metricsFile);
  const trajectories = await listTrajectories(folder);
  return {
    name: basename(folder),
    metrics: metrics.rows,
    charts: buildCharts(metrics.rows),
    trajectories: trajectories.files,
    warnings: metrics.warnings,
    version: `${metricsStamp}|${trajectories.stamp}`,
  };
}

/** Reads `trajectories/<name>.jsonl`; `name` must be a trajectory file name (`step-N`, `val-step-N`). */
export async function readTrajectoryFile(dir: string, name: string): Promise<Parsed<EpisodeView>> {
  if (!trajectoryFile(name)) {
    throw new AjetError(`"${name}" is not a trajectory file name.`, {
      code: 'LOGVIEW_BAD_TRAJECTORY_NAME',
      blame: 'user',
      hint: 'Names look like step-3, val-step-3, val-heldout-step-3 or eval-step-0.',
    });
  }
  const file = join(resolve(dir), 'trajectories', `${name}.jsonl`);
  if (!existsSync(file)) return { rows: [], warnings: [`${file}: no such file`] };
  return parseTrajectories(await readFile(file, 'utf8'), file);
}
