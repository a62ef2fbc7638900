export { buildCharts } from './charts.ts';
export { episodeFilters, filterEpisodes, toEpisodeView } from './episode-view.ts';
export { type LogviewServer, startLogviewServer } from './logview-server.ts';
export {
  assertExperimentDir,
  parseMetrics,
  parseTrajectories,
  readExperimentIndex,
  readTrajectoryFile,
  trajectoryFile,
} from './read-experiment.ts';
export { readReportData, renderReportHtml, writeStaticReport } from './render-report.ts';
export type {
  ChartSpec,
  EpisodeFilter,
  EpisodeView,
  ExperimentIndex,
  MetricsRow,
  ReportData,
  TrajectoryFile,
} from './report-data.ts';
