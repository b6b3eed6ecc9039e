#!/usr/bin/env bash
# Mutation testing of the rule modules (`make mutants`): slow, so never part of CI.
# What is mutated, which mutants count and which tests may kill them: [tool.mutmut] and
# [tool.naering.mutants] in pyproject.toml.
#
#   scripts/mutants.sh              a fresh run of every counted mutant, then the score and the survivors
#   scripts/mutants.sh 'etl.values.x_parse_number__mutmut_*' ...
#                                   re-test only these mutants (after adding tests), keeping the other
#                                   results in mutants/, then the score and the survivors
#   scripts/mutants.sh --report     the last run's score and survivors again
#
# MUTANTS_MAX_CHILDREN (default: the number of cores) sets how many mutants are tested at once.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if [ "${1:-}" = "--report" ]; then
  exec "$BIN/python" scripts/mutants_report.py
fi

# tests/conftest.py fails a session with CI set on any skip; mutant runs are never CI runs.
unset CI

if [ "${1:-}" = "--sample" ]; then
  rm -rf mutants
  "$BIN/mutmut" run 'generate.only.*' >/dev/null 2>&1 || true  # generates the mutants, runs none
  # shellcheck disable=SC2046
  set -- $("$BIN/python" scripts/mutants_report.py --sample "$2" "${3:-1129}")
fi

# mutmut runs the tests inside a copy of the code (mutants/), where PROJECT_ROOT would be the copy: start
# the checkout's private cluster (or use the server in NAERING_DATABASE_URL) and hand its URL down.
"$BIN/naering" db start >/dev/null
NAERING_DATABASE_URL="$("$BIN/naering" db url)"
export NAERING_DATABASE_URL

# One test session per mutant: each copies this database (migrated, reference data loaded) instead of
# migrating and loading again. Copies are named naering_mutants_<hex>; all are dropped on exit.
export NAERING_TEST_TEMPLATE=naering_mutants
trap '"$BIN/python" scripts/mutants_report.py --drop-databases' EXIT
"$BIN/python" scripts/mutants_report.py --make-template

if [ $# -gt 0 ]; then
  names=("$@")
else
  mapfile -t names < <("$BIN/python" scripts/mutants_report.py --patterns)
  rm -rf mutants  # a full run starts afresh: cached verdicts would not see new or changed tests
fi
mkdir -p mutants
start=$(date +%s)
set +e
"$BIN/mutmut" run --max-children "${MUTANTS_MAX_CHILDREN:-$(nproc)}" "${names[@]}" 2>&1 \
  | tee mutants/run.log | "$BIN/python" scripts/mutants_report.py --filter
status=${PIPESTATUS[0]}
set -e
echo "mutmut run: exit $status after $(( $(date +%s) - start )) s (full output: mutants/run.log)"
[ "$status" -eq 0 ] || exit "$status"
"$BIN/mutmut" export-cicd-stats >/dev/null  # mutants/mutmut-cicd-stats.json: mutmut's own counts
"$BIN/python" scripts/mutants_report.py
