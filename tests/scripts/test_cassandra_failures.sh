#!/usr/bin/env bash
# scripts/cassandra in bad situations: each gives a clear message and a
# non-zero exit, and leaves no node running. Needs no node of ours running
# (make test-cluster stops the single node before it).
set -u
. "$(dirname "$0")/harness.sh"

if port_open 127.0.0.1 9042; then
  echo "127.0.0.1:9042 is in use: stop the server before this suite (scripts/cassandra stop)" >&2
  echo "0 passed, 1 failed"; exit 1
fi

test_stop_with_nothing_running_says_so() {
  run_capture "$CASSANDRA" stop
  expect_rc 0; expect_contains "no node of ours was running"
}

test_status_with_nothing_running_exits_3() {
  run_capture "$CASSANDRA" status
  expect_rc 3; expect_contains "no node of ours is running"
}

test_wrong_java_is_refused_naming_java_17() {
  local other
  other=$(ls /usr/lib/jvm/*/bin/java 2>/dev/null | grep -v 17 | head -n 1)
  run_capture env CASSANDRA_JAVA="${other:-/nonexistent/java}" "$CASSANDRA" start
  expect_nonzero; expect_contains "needs Java 17"
}

test_unreachable_maven_is_a_clear_fetch_error() {
  local cache; cache=$(mktemp -d)
  run_capture env CQLIO_CACHE="$cache" CASSANDRA_MVN_ARGS=-o "$CASSANDRA" start
  rm -rf "$cache"
  expect_nonzero; expect_contains "could not fetch Cassandra"
}

test_taken_native_port_is_refused_naming_the_holder() {
  python3 -m http.server --bind 127.0.0.1 9042 >/dev/null 2>&1 &
  local holder=$!
  if ! wait_until 10 port_open 127.0.0.1 9042; then
    kill "$holder"; fail "the stand-in listener never opened 127.0.0.1:9042"; return
  fi
  run_capture "$CASSANDRA" start
  kill "$holder"; wait "$holder" 2>/dev/null
  expect_nonzero; expect_contains "127.0.0.1:9042 is already taken"; expect_contains "python"
}

test_node_that_cannot_start_shows_its_log() {
  run_capture env CASSANDRA_HEAP=64T "$CASSANDRA" start
  expect_nonzero; expect_contains "exited during startup"; expect_contains "---- last lines"
  port_open 127.0.0.1 9042 && fail "a node is listening after a failed start"
}

test_unknown_option_is_refused() {
  run_capture "$CASSANDRA" start --nodez 3
  expect_nonzero; expect_contains "unknown option --nodez"
  run_capture "$CASSANDRA" start --nodes 12
  expect_nonzero; expect_contains "--nodes must be 1 to 9"
}

check stop_with_nothing_running_says_so test_stop_with_nothing_running_says_so
check status_with_nothing_running_exits_3 test_status_with_nothing_running_exits_3
check wrong_java_is_refused_naming_java_17 test_wrong_java_is_refused_naming_java_17
check unreachable_maven_is_a_clear_fetch_error test_unreachable_maven_is_a_clear_fetch_error
check taken_native_port_is_refused_naming_the_holder test_taken_native_port_is_refused_naming_the_holder
check node_that_cannot_start_shows_its_log test_node_that_cannot_start_shows_its_log
check unknown_option_is_refused test_unknown_option_is_refused
done_testing
