# Shell test harness: `check NAME CMD...` runs a test function, and `done_testing`
# prints "N passed, N failed" and exits non-zero on any failure.
# Helpers: run_capture (exit code + combined output), expect_contains, expect_rc.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CASSANDRA=$ROOT/scripts/cassandra
passed=0
failed=0
current_ok=1

run_capture() { OUT=$("$@" 2>&1); RC=$?; }

fail() { echo "  $*" >&2; current_ok=0; }
expect_rc() { [ "$RC" -eq "$1" ] || fail "exit code $RC, expected $1; output:"$'\n'"$OUT"; }
expect_nonzero() { [ "$RC" -ne 0 ] || fail "exit code 0, expected a failure; output:"$'\n'"$OUT"; }
expect_contains() { grep -qF -- "$1" <<<"$OUT" || fail "output lacks \"$1\":"$'\n'"$OUT"; }

check() {
  local name=$1; shift
  current_ok=1
  "$@"
  if [ $current_ok -eq 1 ]; then passed=$((passed + 1)); echo "ok   $name"
  else failed=$((failed + 1)); echo "FAIL $name"; fi
}

done_testing() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# Polls CMD until it succeeds or SECONDS_ pass; never a fixed sleep as the condition.
wait_until() {
  local limit=$1; shift
  local deadline=$(( $(date +%s) + limit ))
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
