#!/usr/bin/env bash
# The whole test suite: typecheck, lint, unit and end-to-end tests. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec turbo run typecheck --output-logs=errors-only
pnpm exec tsc -p tsconfig.json
pnpm exec biome ci .
# The Python GPU backend (on PyTorch's CPU build here): its own venv, then pytest.
bash backend/scripts/test.sh
report=$(mktemp)
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" || status=$?
node scripts/test-summary.mjs "$report"
exit "$status"
