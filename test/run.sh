#!/usr/bin/env bash
# The test command: the typecheck and unit tests, and integration tests against a real lab (4 MariaDB hosts with sshd)
# and a real Temporal dev server, both brought up here and torn down at the end. As root (the lab needs it) all of
# them run side by side: the lab's scenarios, the workflow tests on the dev server, and the typecheck and unit tests.
#   bash test/run.sh              # everything
#   bash test/run.sh unit         # unit tests only
#   bash test/run.sh integration  # integration tests only
#   bash test/run.sh FILE...      # just these test files
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."
what="${1:-all}"
# A task queue of our own: a stray worker elsewhere on this machine must not take our tasks.
export MHAFLOW_TASK_QUEUE="${MHAFLOW_TASK_QUEUE:-mhaflow-test-$$}"

bash scripts/install-deps.sh

# One lab per machine: its hosts' addresses and Temporal's port belong to the machine, not to the checkout. A second
# suite, or a benchmark, waits for this one instead of rebuilding its lab midway: the suite re-runs itself under
# flock -o, which holds the lock itself (the servers the suite starts do not inherit it). Under a process that already
# holds it (that re-run, or `flock LOCK npm test`) it goes on: bench/lock.ts lockHeldByAncestor, the benchmarks' own rule.
lab_lock="${MHAFLOW_LAB_LOCK:-/tmp/mhaflow-lab.lock}"
if [[ ( "$what" == all || "$what" == integration ) && $(id -u) -eq 0 ]] &&
  ! node --import tsx -e "process.exit(require('./bench/lock.ts').lockHeldByAncestor() ? 0 : 1)"; then
  flock -n "$lab_lock" true || echo "== waiting for the lab lock $lab_lock (another run is using the lab on this machine)"
  rc=0; flock -E 75 -o -w 7200 "$lab_lock" bash "$self" "$@" || rc=$?
  if [[ $rc == 75 ]]; then echo "!! the lab lock $lab_lock was still taken after 2 h: nothing was run" >&2; fi
  exit "$rc"
fi

run_tests() { node --import tsx --test --test-reporter=spec --test-concurrency=1 "$@"; }

# Unit tests: every test file but the lab scenarios (test/integration), the ones that need a Temporal
# server (*.temporal.test.ts: run with the integration tests, once the dev server is up), helpers and fixtures.
unit_tests() {
  echo "== typecheck"; npx tsc --noEmit -p .
  mapfile -t unit < <(find test -name '*.test.ts' -not -name '*.temporal.test.ts' -not -path 'test/integration/*' -not -path 'test/support/*' \
    -not -path 'test/fixtures/*' | sort)
  echo "== unit tests"; run_tests "${unit[@]}"
}
if [[ "$what" == unit ]]; then unit_tests; fi
if [[ ( "$what" == all || "$what" == integration ) && $(id -u) -ne 0 ]]; then
  if [[ "$what" == all ]]; then unit_tests; fi
  echo "!! INTEGRATION TESTS SKIPPED: they need root (loopback aliases, one sshd and mysqld per lab host)." >&2
  echo "!! Run as root, e.g. sudo bash test/run.sh integration" >&2
  exit 0
fi
if [[ "$what" == integration || "$what" == all ]]; then
  # MHAFLOW_TEST_SHARDS=N: N labs side by side (each its own 4 hosts on a loopback /24 of its own), one test process
  # each. On two cores two labs take about 60% of the time, but the replicas then lag the writer by up to 20 s and
  # scenarios meant for a quiet lab (the switchover's 1 s lag limit) refuse: one lab by default.
  shards="${MHAFLOW_TEST_SHARDS:-1}"
  lab_of() { if [[ "$1" == 1 ]]; then echo "MHAFLOW_LAB_DIR=$PWD/.lab"; else echo "MHAFLOW_LAB_DIR=$PWD/.lab/shard-$1 MHAFLOW_LAB_NET=127.0.$((100 + $1))"; fi; }
  cleanup() {
    for ((i = 1; i <= shards; i++)); do env $(lab_of "$i") node bin/mhaflow.js lab down >/dev/null 2>&1 || true; done
    node bin/mhaflow.js temporal down >/dev/null 2>&1 || true
  }
  trap cleanup EXIT
  echo "== integration: temporal up"; node bin/mhaflow.js temporal up
  mapfile -t onTemporal < <(find test -name '*.temporal.test.ts' -not -path 'test/integration/*' | sort)
  # The shards: the files dealt longest first (seconds measured on this machine kind with two shards running; a new
  # file counts 60) to the shard with the least so far. The workflow tests (no lab) run beside them.
  declare -A secs=([monitor]=200 [monitor-gtid]=100 [failover-durability]=150 [switchover]=60 [switchover-crash]=270 [rejoin]=150
    [rejoin-crash]=115 [monitor-crash]=85 [check]=100 [failover]=100 [failover-gtid]=165 [failover-cli]=115 [failover-crash]=55
    [failover-refusals]=80 [foundation]=35 [failover-resume]=25 [failover-addresses]=20 [failover-filters]=25 [import-mha]=10 [worker-shutdown]=80)
  declare -a load files
  for ((i = 1; i <= shards; i++)); do load[$i]=0; files[$i]=''; done
  while read -r w f; do
    best=1; for ((i = 2; i <= shards; i++)); do (( load[i] < load[best] )) && best=$i; done
    load[$best]=$(( load[best] + w )); files[$best]="${files[$best]} $f"
  done < <(for f in test/integration/*.test.ts; do b=$(basename "$f" .test.ts); echo "${secs[$b]:-60} $f"; done | sort -rn)
  run_shard() {
    local i=$1
    env $(lab_of "$i") node bin/mhaflow.js lab up >/dev/null || { echo "!! shard $i: lab up failed"; return 1; }
    # shellcheck disable=SC2086
    env $(lab_of "$i") MHAFLOW_TASK_QUEUE="$MHAFLOW_TASK_QUEUE-$i" node --import tsx --test --test-reporter=spec --test-concurrency=1 ${files[$i]}
  }
  mkdir -p .lab
  echo "== integration tests: $shards labs side by side"
  pids=()
  for ((i = 1; i <= shards; i++)); do
    echo "   shard $i:${files[$i]}"
    run_shard "$i" > ".lab/shard-$i.log" 2>&1 & pids[$i]=$!
  done
  run_tests "${onTemporal[@]}" > .lab/workflow-tests.log 2>&1 & workflows_pid=$!
  failed=0
  if [[ "$what" == all ]]; then
    # The typecheck and the unit tests beside the lab's (which mostly wait on servers), at a lower CPU priority: the
    # suite's time is the lab's alone, and a lab scenario gets the CPU when it needs it.
    nice -n 10 bash -c "set -euo pipefail; $(declare -f run_tests unit_tests); unit_tests" > .lab/unit-tests.log 2>&1 & unit_pid=$!
    if wait "$unit_pid"; then rc=0; else rc=$?; failed=1; fi
    cat .lab/unit-tests.log; echo "== typecheck and unit tests, beside the lab's (exit $rc)"
  fi
  if wait "$workflows_pid"; then rc=0; else rc=$?; failed=1; fi
  echo "== workflow tests on the dev server, activities mocked (exit $rc)"; cat .lab/workflow-tests.log
  for ((i = 1; i <= shards; i++)); do
    if wait "${pids[$i]}"; then rc=0; else rc=$?; failed=1; fi
    echo "== shard $i (exit $rc)"; cat ".lab/shard-$i.log"
  done
  [[ $failed == 0 ]] || { echo "!! tests failed (see above)"; exit 1; }
fi
if [[ "$what" != unit && "$what" != integration && "$what" != all ]]; then
  run_tests "$@"
fi
