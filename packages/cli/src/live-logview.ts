import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunObserver } from '@ajet/core';
import type { LogviewServer } from '@ajet/logview';

/**
 * `--with-logview`: serves the run's report from its start (the page follows each step as it lands) and, when the
 * run stops, writes report.html into the experiment folder and closes the server.
 */
export function liveLogview(options: { host: string; port: number; log: (line: string) => void }): {
  observer: RunObserver;
  stop(): Promise<void>;
} {
  let started: Promise<{ server: LogviewServer; experimentDir: string } | undefined> | undefined;
  const observer: RunObserver = {
    onRunStart(info) {
      started = import('@ajet/logview')
        .then(async ({ startLogviewServer }) => {
          const server = await startLogviewServer({
            experimentDir: info.experimentDir,
            host: options.host,
            port: options.port,
            waitForRun: true,
          });
          options.log(`ajet: logview at ${server.url} (live while the run lasts)`);
          return { server, experimentDir: info.experimentDir };
        })
        .catch((error: unknown) => {
          // A report that cannot be served is no reason to stop training.
          options.log(`ajet: warning: logview not started: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
    },
  };
  return {
    observer,
    async stop() {
      const running = await started;
      if (!running) return;
      await running.server.close();
      if (!existsSync(join(running.experimentDir, 'metrics.jsonl'))) return;
      try {
        const { writeStaticReport } = await import('@ajet/logview');
        options.log(`ajet: report written to ${await writeStaticReport({ experimentDir: running.experimentDir })}`);
      } catch (error) {
        options.log(
          `ajet: warning: report.html not written: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    },
  };
}
