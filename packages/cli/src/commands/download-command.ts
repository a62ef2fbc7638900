import { resolve } from 'node:path';
import { parseCommandArgs, UsageError } from '../usage-error.ts';

const HELP = `Usage:
  ajet download --target=OWNER/NAME --path=DIR [--revision=main] [--stall-timeout=60]

Downloads every file of a Hugging Face hub dataset into DIR, keeping the repository's layout
(e.g. DIR/main/train-00000-of-00001.parquet), which the huggingface_dat_repo reader reads:
  task_reader: { type: huggingface_dat_repo, huggingface_dat_repo: { dataset_path: DIR, config: main } }
Interrupted downloads resume from DIR/<file>.part; files are checked against the hub's sha256 or git blob id.
A connection that sends nothing for --stall-timeout seconds (default 60) is dropped and tried again.

Environment: HF_TOKEN (private or gated datasets), HF_ENDPOINT (a mirror; default https://huggingface.co).
`;

/** `ajet download`: a hub dataset into a local folder. */
export async function downloadCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs('ajet download', {
    args: argv,
    options: {
      target: { type: 'string' },
      path: { type: 'string' },
      revision: { type: 'string', default: 'main' },
      'stall-timeout': { type: 'string', default: '60' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.target) throw new UsageError('missing --target (e.g. --target=openai/gsm8k)', 'ajet download');
  if (!values.path) throw new UsageError('missing --path (the folder to download into)', 'ajet download');
  const stallTimeoutS = Number(values['stall-timeout']);
  if (!(stallTimeoutS > 0 && Number.isFinite(stallTimeoutS))) {
    throw new UsageError(
      `--stall-timeout=${values['stall-timeout']} is not a number of seconds above 0 (e.g. --stall-timeout=120)`,
      'ajet download',
    );
  }
  const { downloadDataset, downloadPrinter, formatBytes } = await import('@ajet/hub');
  const destination = resolve(values.path);
  const write = (text: string) => process.stderr.write(text);
  const summary = await downloadDataset({
    repo: values.target,
    revision: values.revision,
    destination,
    stallTimeoutMs: stallTimeoutS * 1000,
    observer: downloadPrinter({ write, tty: Boolean(process.stderr.isTTY) && !process.env.CI }),
  });
  const fetched = summary.files.filter((file) => file.status === 'downloaded').length;
  write(
    `ajet: done: ${summary.ref.repo}@${summary.ref.revision} in ${destination} (${summary.files.length} files, ${formatBytes(summary.bytes)}; ${fetched} fetched, ${summary.files.length - fetched} already there)\n`,
  );
  return 0;
}
