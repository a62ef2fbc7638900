// Prints the plain closing line "N passed, N failed, N skipped" from vitest's JSON report.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Counts tests; a test file that failed without any failed test (it did not load, a hook threw) counts as one
 * failure. vitest's `numFailedTestSuites` also counts every describe block around a failed test, so it is not used.
 */
export function summarize(report) {
  const brokenFiles = (report.testResults ?? []).filter(
    (file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  const passed = report.numPassedTests ?? 0;
  const failed = (report.numFailedTests ?? 0) + brokenFiles;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  return `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(summarize(JSON.parse(readFileSync(process.argv[2], 'utf8'))));
}
