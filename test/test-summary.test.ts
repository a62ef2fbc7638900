import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations
import { summarize } from '../scripts/test-summary.mjs';

describe('the test summary line', () => {
  it('counts one failed test once, however many describe blocks surround it', () => {
    const report = {
      numPassedTests: 5,
      numFailedTests: 1,
      numFailedTestSuites: 3,
      numPendingTests: 1,
      numTodoTests: 0,
      testResults: [
        { status: 'failed', assertionResults: [{ status: 'passed' }, { status: 'failed' }] },
        { status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'skipped' }] },
      ],
    };
    expect(summarize(report)).toBe('tests: 5 passed, 1 failed, 1 skipped');
  });

  it('counts a test file that failed to load as a failure', () => {
    const report = {
      numPassedTests: 2,
      numFailedTests: 0,
      numFailedTestSuites: 1,
      testResults: [
        { status: 'failed', assertionResults: [] },
        { status: 'passed', assertionResults: [{ status: 'passed' }, { status: 'passed' }] },
      ],
    };
    expect(summarize(report)).toBe('tests: 2 passed, 1 failed, 0 skipped');
  });
});
