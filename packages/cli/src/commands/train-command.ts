import { type AjetConfig, loadConfig, runJob } from '@ajet/core';
import { AjetError, type ToolCallParser } from '@ajet/spec';
import { CalculatorTagParser, HermesToolCallParser } from '@ajet/tools';
import { builtins } from '../builtins.ts';
import { consoleObserver } from '../console-observer.ts';
import { liveLogview } from '../live-logview.ts';
import { combineObservers, ProgressLine } from '../progress-line.ts';
import { parseCommandArgs, UsageError } from '../usage-error.ts';
import { TRAIN_HELP } from './train-help.ts';

function parse(argv: string[]) {
  return parseCommandArgs('ajet', {
    args: argv,
    allowPositionals: false,
    options: {
      conf: { type: 'string' },
      backbone: { type: 'string' },
      mode: { type: 'string', default: 'train' },
      set: { type: 'string', multiple: true, default: [] },
      'experiment-dir': { type: 'string' },
      seed: { type: 'string' },
      resume: { type: 'boolean', default: false },
      'resume-from': { type: 'string' },
      overwrite: { type: 'boolean', default: false },
      'with-logview': { type: 'boolean', default: false },
      'serve-episodes': { type: 'boolean', default: false },
      port: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The parser that turns the model's text into `tool_calls` on the episode service's model URLs. */
function episodeServiceParser(settings: AjetConfig['episodeService']): ToolCallParser | undefined {
  if (!settings.enabled) return undefined;
  switch (settings.toolCallFormat) {
    case 'hermes':
      return new HermesToolCallParser();
    case 'calculator_tag':
      return new CalculatorTagParser();
    case 'none':
      return undefined;
    default: {
      const exhaustive: never = settings.toolCallFormat;
      return exhaustive;
    }
  }
}

/** `ajet --conf …`: train, or evaluate with --mode eval. */
export async function trainCommand(argv: string[]): Promise<number> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const { values } = parse(argv);
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return 0;
  }
  if (!values.conf) throw new UsageError('missing --conf FILE');
  if (values.mode !== 'train' && values.mode !== 'eval')
    throw new UsageError(`--mode must be train or eval, not "${values.mode}"`);
  if (values.overwrite && (values.resume || values['resume-from'] !== undefined))
    throw new UsageError('--overwrite starts the run again; it cannot go with --resume or --resume-from');
  if (values.port !== undefined && !values['serve-episodes'])
    throw new UsageError('--port goes with --serve-episodes (the episode service listens on it)');
  // The schema types and checks --backbone, --seed and --port like any --set value.
  const loaded = loadConfig({
    file: values.conf,
    sets: [
      ...values.set,
      ...(values['serve-episodes'] ? ['episode_service.enabled=true'] : []),
      ...(values.port !== undefined ? [`episode_service.port=${values.port}`] : []),
    ],
    overrides: { backbone: values.backbone, seed: values.seed },
  });
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log(`ajet: second ${signal}: exiting now`);
      process.exit(130);
    }
    log(`ajet: ${signal} received: abandoning the step in flight (send it again to exit at once)`);
    controller.abort(new AjetError(`stopped by ${signal}`, { code: 'INTERRUPTED', blame: 'user' }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A progress bar on a terminal; plain lines in CI and pipes.
  const progress = process.stderr.isTTY && !process.env.CI ? new ProgressLine(process.stderr) : undefined;
  const printLine = (line: string) => {
    progress?.clear();
    log(line);
  };
  const lines = consoleObserver({
    write: printLine,
    metricLines: loaded.config.trainerCommon.logger.includes('console'),
    verbose: values.verbose,
  });
  const logview = values['with-logview'] ? liveLogview({ host: '127.0.0.1', port: 0, log: printLine }) : undefined;
  const observer = combineObservers(
    lines,
    ...(progress ? [progress.observer()] : []),
    ...(logview ? [logview.observer] : []),
  );
  const result = await runJob({
    loaded,
    mode: values.mode,
    experimentDir: values['experiment-dir'],
    builtins,
    observer,
    signal: controller.signal,
    resumeFrom: values['resume-from'] ?? (values.resume ? 'latest' : undefined),
    overwrite: values.overwrite,
    toolCallParser: episodeServiceParser(loaded.config.episodeService),
  }).finally(() => logview?.stop());
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (result.mode === 'eval') process.stdout.write(`${JSON.stringify(result.summary)}\n`);
  return 0;
}
