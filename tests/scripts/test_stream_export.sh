#!/usr/bin/env bash
# cqlio-stream-export and cqlio-load-rows against the local node: a 20,000-row
# table exported as CSV and NDJSON (line counts, checksums, JSON that parses),
# values that need quoting and escaping, the exit statuses, and a reader that
# goes away early (`| head`).
#
#   test_stream_export.sh BIN_DIR    (the folder holding both programs)
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

BIN=${1:?usage: test_stream_export.sh BIN_DIR}
EXPORT=$BIN/cqlio-stream-export
LOAD=$BIN/cqlio-load-rows
KS=cqlio_test_export
ROWS=20000
SUM_K=$(( ROWS * (ROWS - 1) / 2 ))   # 199990000
SUM_B=$(( 3 * SUM_K ))
SELECT="SELECT k, b, t, d, ts FROM $KS.rows"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 -c 'import json' 2>/dev/null || { echo "python3 is needed"; exit 1; }

test_load() {
  run_capture "$LOAD" --keyspace $KS --table rows --rows $ROWS
  expect_rc 0
  expect_contains "$KS.rows"
  # A second load finds the marker and does nothing.
  run_capture "$LOAD" --keyspace $KS --table rows --rows $ROWS
  expect_rc 0
  expect_contains "already holds $ROWS rows; nothing to do"
}

test_csv() {
  "$EXPORT" --format csv "$SELECT" > "$TMP/rows.csv" 2> "$TMP/err"
  RC=$?; OUT=$(cat "$TMP/err"); expect_rc 0
  expect_contains "$ROWS rows in"
  expect_contains "peak RSS"
  local lines header sums
  lines=$(wc -l < "$TMP/rows.csv")
  [ "$lines" -eq $((ROWS + 1)) ] || fail "CSV has $lines lines, expected $((ROWS + 1))"
  header=$(head -n 1 "$TMP/rows.csv")
  [ "$header" = "k,b,t,d,ts" ] || fail "CSV header is \"$header\""
  sums=$(awk -F, 'NR > 1 { k += $1; b += $2 } END { printf "%d %d", k, b }' "$TMP/rows.csv")
  [ "$sums" = "$SUM_K $SUM_B" ] || fail "CSV sums of k and b are $sums, expected $SUM_K $SUM_B"
  grep -qx '4317,12951,row-0000004317-abcdefghijklmnopq,2158.5,2023-11-14T22:13:24.317Z' \
    "$TMP/rows.csv" || fail "CSV lacks the row k=4317 as expected"
}

test_ndjson() {
  "$EXPORT" --format ndjson "$SELECT" > "$TMP/rows.ndjson" 2> "$TMP/err"
  RC=$?; OUT=$(cat "$TMP/err"); expect_rc 0
  python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' < "$TMP/rows.ndjson" \
    || fail "NDJSON lines do not parse"
  OUT=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
assert all(isinstance(r["k"], int) and isinstance(r["b"], int) for r in rows), "k, b not ints"
assert all(isinstance(r["d"], (int, float)) and isinstance(r["t"], str) for r in rows)
assert all(r["b"] == 3 * r["k"] and r["d"] == r["k"] / 2 for r in rows), "values"
print(len(rows), sum(r["k"] for r in rows))
' < "$TMP/rows.ndjson" 2>&1)
  [ "$OUT" = "$ROWS $SUM_K" ] || fail "NDJSON rows and sum of k: $OUT, expected $ROWS $SUM_K"
}

# Other page sizes and prefetch settings give the same rows.
test_paging_settings() {
  local p sums
  for p in 0 1 3; do
    sums=$("$EXPORT" --page-size 777 --prefetch $p "SELECT k FROM $KS.rows" 2> "$TMP/err" |
      awk 'NR > 1 { k += $1; n++ } END { printf "%d %d", n, k }')
    [ "$sums" = "$ROWS $SUM_K" ] || fail "prefetch $p: rows and sum $sums; $(cat "$TMP/err")"
    grep -q " 26 pages" "$TMP/err" || fail "prefetch $p: not 26 pages: $(cat "$TMP/err")"
  done
}

# Values that need CSV quoting and JSON escaping, nulls, empty strings,
# non-finite doubles, collections. The statements run through the exporter
# itself (no rows: no output).
test_special_values() {
  local t=$KS.special
  "$EXPORT" "CREATE TABLE IF NOT EXISTS $t (k int PRIMARY KEY, s text, x double, f float,
             bo boolean, l list<int>, m map<text, int>, bl blob, n int, v varint)" 2>/dev/null &&
  "$EXPORT" "INSERT INTO $t (k, s, x, f, bo, l, m, bl, v) VALUES (1, 'a,b\"c
d$(printf '\x01')	é''', NaN, 1.5, true, [1, 2], {'q\"': 1}, 0x00ff, 123456789012345678901234567890)" \
    2>/dev/null &&
  "$EXPORT" "INSERT INTO $t (k, s, x, f) VALUES (2, '', -Infinity, 1e20)" 2>/dev/null &&
  "$EXPORT" "INSERT INTO $t (k, x) VALUES (3, 0.1)" 2>/dev/null ||
    { fail "could not fill $t"; return; }
  local cols="k, s, x, f, bo, l, m, bl, n, v"
  "$EXPORT" "SELECT $cols FROM $t" > "$TMP/special.csv" 2>/dev/null || fail "CSV export failed"
  OUT=$(python3 - "$TMP/special.csv" 2>&1 <<'PY'
import csv, sys
rows = {r[0]: r for r in csv.reader(open(sys.argv[1], newline=""))}
assert rows["k"] == ["k", "s", "x", "f", "bo", "l", "m", "bl", "n", "v"], rows["k"]
assert rows["1"] == ["1", "a,b\"c\nd\x01\t\u00e9'", "NaN", "1.5", "true", "[1, 2]",
                     "{'q\"': 1}", "0x00ff", "", "123456789012345678901234567890"], rows["1"]
assert rows["2"][1:4] == ["", "-Infinity", "1e+20"], rows["2"]
print("ok")
PY
)
  [ "$OUT" = ok ] || fail "CSV: $OUT"$'\n'"$(cat "$TMP/special.csv")"
  # A null is an empty field; an empty string is "".
  grep -q '^2,"",-Infinity,' "$TMP/special.csv" || fail "row 2: the empty string is not \"\""
  grep -q '^3,,0.1,' "$TMP/special.csv" || fail "row 3: the null is not an empty field"

  "$EXPORT" --format ndjson "SELECT $cols FROM $t" > "$TMP/special.ndjson" 2>/dev/null ||
    fail "NDJSON export failed"
  OUT=$(python3 - "$TMP/special.ndjson" 2>&1 <<'PY'
import json, sys
rows = {r["k"]: r for r in map(json.loads, open(sys.argv[1]))}
r = rows[1]
assert r["s"] == "a,b\"c\nd\x01\t\u00e9'", r["s"]
assert r["x"] == "NaN" and r["f"] == 1.5 and r["bo"] is True and r["n"] is None, r
assert r["l"] == "[1, 2]" and r["m"] == "{'q\"': 1}" and r["bl"] == "0x00ff", r
assert r["v"] == 123456789012345678901234567890, r["v"]
assert rows[2]["s"] == "" and rows[2]["x"] == "-Infinity" and rows[2]["f"] == 1e20, rows[2]
assert rows[3]["s"] is None and rows[3]["x"] == 0.1, rows[3]
print("ok")
PY
)
  [ "$OUT" = ok ] || fail "NDJSON: $OUT"$'\n'"$(cat "$TMP/special.ndjson")"
  grep -qF '\u0001' "$TMP/special.ndjson" || fail "the control character is not written as \\u0001"
}

test_bad_arguments() {
  run_capture "$EXPORT"
  expect_rc 2; expect_contains "usage:"
  run_capture "$EXPORT" --format xml "$SELECT"
  expect_rc 2; expect_contains 'bad value for --format: "xml"'
  run_capture "$EXPORT" --prefetch 17 "$SELECT"
  expect_rc 2; expect_contains "usage:"
  run_capture "$EXPORT" --frobnicate 1 "$SELECT"
  expect_rc 2; expect_contains "unknown option --frobnicate"
  run_capture "$LOAD" --table 'x;drop' --rows 1
  expect_rc 2; expect_contains "usage:"
  run_capture "$LOAD"
  expect_rc 2; expect_contains "--rows is required"
}

test_failures() {
  run_capture "$EXPORT" "SELEKT * FROM $KS.rows"
  expect_rc 1; expect_contains "SYNTAX_ERROR"
  run_capture "$EXPORT" "SELECT * FROM $KS.no_such_table"
  expect_rc 1; expect_contains "INVALID"
  run_capture "$EXPORT" --host 127.0.0.1:1 "$SELECT"
  expect_rc 1; expect_contains "cannot connect"
}

# A reader that stops early: the exporter stops too, quietly, with status 0.
test_reader_goes_away() {
  local first status
  first=$("$EXPORT" "$SELECT" 2> "$TMP/err" | head -n 3)
  status=("${PIPESTATUS[@]}")
  [ "${status[0]}" -eq 0 ] || fail "exit status ${status[0]} after head closed the pipe: $(cat "$TMP/err")"
  [ "$(wc -l <<<"$first")" -eq 3 ] || fail "head got: $first"
  grep -q "stdout closed early" "$TMP/err" || fail "no note of the early close: $(cat "$TMP/err")"
}

check load test_load
check csv test_csv
check ndjson test_ndjson
check paging_settings test_paging_settings
check special_values test_special_values
check bad_arguments test_bad_arguments
check failures test_failures
check reader_goes_away test_reader_goes_away
done_testing
