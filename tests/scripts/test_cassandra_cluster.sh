#!/usr/bin/env bash
# scripts/cassandra with the 3-node cluster running (make test-cluster):
# start is idempotent, nodetool sees three UN nodes, and the addresses are
# guarded against a second cluster.
set -u
. "$(dirname "$0")/harness.sh"

test_second_start_succeeds_at_once_reporting_running_nodes() {
  run_capture "$CASSANDRA" start --nodes 3
  expect_rc 0; expect_contains "node 3 already running"; expect_contains "cluster n3 ready"
}

test_nodetool_status_shows_three_up_normal_nodes() {
  run_capture "$CASSANDRA" nodetool status
  expect_rc 0
  local un; un=$(grep -c '^UN ' <<<"$OUT")
  [ "$un" -eq 3 ] || fail "expected 3 UN lines, got $un:"$'\n'"$OUT"
  for a in 127.0.0.1 127.0.0.2 127.0.0.3; do expect_contains "$a"; done
}

test_status_lists_three_answering_nodes() {
  run_capture "$CASSANDRA" status
  expect_rc 0
  local n; n=$(grep -c 'native transport answering' <<<"$OUT")
  [ "$n" -eq 3 ] || fail "expected 3 answering nodes:"$'\n'"$OUT"
}

test_single_node_start_is_refused_while_the_cluster_runs() {
  run_capture "$CASSANDRA" start
  expect_nonzero; expect_contains "cluster n3 is running"
}

test_logs_show_the_node_log() {
  run_capture "$CASSANDRA" logs --node 2 -n 5
  expect_rc 0; expect_contains "node2/logs/system.log"
}

test_wipe_is_refused_while_nodes_run() {
  run_capture "$CASSANDRA" wipe
  expect_nonzero; expect_contains "stop before wipe"
}

check second_start_succeeds_at_once_reporting_running_nodes test_second_start_succeeds_at_once_reporting_running_nodes
check nodetool_status_shows_three_up_normal_nodes test_nodetool_status_shows_three_up_normal_nodes
check status_lists_three_answering_nodes test_status_lists_three_answering_nodes
check single_node_start_is_refused_while_the_cluster_runs test_single_node_start_is_refused_while_the_cluster_runs
check logs_show_the_node_log test_logs_show_the_node_log
check wipe_is_refused_while_nodes_run test_wipe_is_refused_while_nodes_run
done_testing
