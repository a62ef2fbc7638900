/** The shapes the page receives, embedded in `report.html` or served as JSON by `ajet logview`. */

export interface MetricsRow {
  step: number;
  /** `train`, `val` or `eval`. */
  phase: string;
  /** A metric written as NaN arrives as null (JSON has no NaN) and draws as a gap. */
  metrics: Record<string, number | null>;
  time: number;
}

/** One `trajectories/*.jsonl` file: `step-N` (training), `val-step-N` (validation), `eval-step-N` (--mode eval). */
export interface TrajectoryFile {
  name: string;
  step: number;
  phase: 'train' | 'val' | 'eval';
  /** The `task_reader.extra_validation` set of a validation file (`val-<set>-step-N`); absent for the main split. */
  set?: string;
}

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
  /** Drawn thin and dashed (a ±std edge). */
  faint?: boolean;
}

/** One chart: shared x values (steps), a few series, optionally a shaded band between two of them. */
export interface ChartSpec {
  /** `pass` is the main validation split's, `pass-<set>` each extra validation set's. */
  id: 'reward' | 'success' | 'pass' | 'tokens' | `pass-${string}`;
  title: string;
  x: number[];
  series: ChartSeries[];
  /** A validation chart's extra validation set (its trajectories are `val-<set>-step-N`). */
  validationSet?: string;
  /** Indices into `series` whose area in between is shaded. */
  band?: [number, number];
}

/** Names of the episode filters; `episode.filters` lists those an episode passes. */
export type EpisodeFilter = 'all' | 'failed' | 'zero-reward' | 'error';

/**
 * One token per character: `p` masked (prompt, chat template), `s` sampled by the policy (loss mask 1),
 * `o` tool output (masked).
 */
export type TokenKinds = string;

export interface SequenceView {
  tokenIds: number[];
  lossMask: number[];
  logprobs: number[];
  /** Decoded text per token; `#id` where the backbone could not decode. */
  texts: string[];
  kinds: TokenKinds;
}

export interface MessageView {
  role: string;
  content: string;
  toolCalls: { name: string; arguments: string }[];
  malformedToolCalls: number;
  /** A tool's reply (role tool, or the message answering an assistant's tool call). */
  isToolOutput: boolean;
}

export interface EpisodeView {
  episodeId: string;
  taskId: string;
  taskTag: string;
  step: number;
  split: string;
  repeatIndex: number;
  reward: number | null;
  isSuccess: boolean;
  advantage: number | null;
  trained: boolean;
  judgeDetails: Record<string, unknown> | null;
  finalAnswer: string | null;
  error: { kind: string; message: string } | null;
  durationMs: number | null;
  messages: MessageView[];
  sequences: SequenceView[];
  /** Tokens with loss mask 1, over all sequences. */
  trainedTokens: number;
  filters: EpisodeFilter[];
}

export interface ExperimentIndex {
  name: string;
  metrics: MetricsRow[];
  charts: ChartSpec[];
  trajectories: TrajectoryFile[];
  /** Rows and files that could not be read, as one line each; the page shows them. */
  warnings: string[];
  /** Changes whenever metrics.jsonl or the trajectories folder does; the live page polls it. */
  version: string;
}

/** Everything a static report embeds. */
export interface ReportData extends ExperimentIndex {
  episodes: Record<string, EpisodeView[]>;
}
