#!/usr/bin/env bash
# The test command: unit tests, then integration tests against a real lab (4 MariaDB hosts with sshd)
# and a real Temporal dev server, both brought up here and torn down at the end.
#   bash test/run.sh              # everything
#   bash test/run.sh unit         # unit tests only
#   bash test/run.sh integration  # integration tests only
#   bash test/run.sh FILE...      # just these test files
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
# A task queue of our own: a stray worker elsewhere on this machine must not take our tasks.
export MHAFLOW_TASK_QUEUE="${MHAFLOW_TASK_QUEUE:-mhaflow-test-$$}"

bash scripts/install-deps.sh

run_tests() { node --import tsx --test --test-reporter=spec --test-concurrency=1 "$@"; }

if [[ "$what" == unit || "$what" == all ]]; then
  echo "== typecheck"; npx tsc --noEmit -p .
  # Unit tests: every test file but the lab scenarios (test/integration), the ones that need a Temporal
  # server (*.temporal.test.ts: run with the integration tests, once the dev server is up), helpers and fixtures.
  mapfile -t unit < <(find test -name '*.test.ts' -not -name '*.temporal.test.ts' -not -path 'test/integration/*' -not -path 'test/support/*' \
    -not -path 'test/fixtures/*' | sort)
  echo "== unit tests"; run_tests "${unit[@]}"
fi
if [[ "$what" == integration || "$what" == all ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "!! INTEGRATION TESTS SKIPPED: they need root (loopback aliases, one sshd and mysqld per lab host)." >&2
    echo "!! Run as root, e.g. sudo bash test/run.sh integration" >&2
    exit 0
  fi
  cleanup() { node bin/mhaflow.js lab down >/dev/null 2>&1 || true; node bin/mhaflow.js temporal down >/dev/null 2>&1 || true; }
  trap cleanup EXIT
  echo "== integration: temporal up"; node bin/mhaflow.js temporal up
  mapfile -t onTemporal < <(find test -name '*.temporal.test.ts' -not -path 'test/integration/*' | sort)
  echo "== workflow tests on the dev server (activities mocked)"; run_tests "${onTemporal[@]}"
  echo "== integration: lab up"; node bin/mhaflow.js lab up
  echo "== integration tests"; run_tests test/integration/*.test.ts
fi
if [[ "$what" != unit && "$what" != integration && "$what" != all ]]; then
  run_tests "$@"
fi
