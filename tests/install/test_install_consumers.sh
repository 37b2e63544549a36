#!/usr/bin/env bash
# The installed library is usable the two ways the docs promise: pkg-config
# (shared library) and CMake's find_package (static library). Installs the
# build tree given as $1 into a scratch prefix and builds a consumer each way.
set -u
. "$(dirname "$0")/../scripts/harness.sh"
BUILD_DIR=$1
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
cmake --install "$BUILD_DIR" --prefix "$SCRATCH/prefix" >/dev/null
cat > "$SCRATCH/app.c" <<'C'
#include <cqlio.h>
#include <stdio.h>
#include <string.h>
int main(void) { return strcmp(cql_version(), CQLIO_VERSION_STRING) != 0; }
C

test_pkg_config_consumer_links_the_shared_library() {
  local flags
  flags=$(PKG_CONFIG_PATH="$SCRATCH/prefix/lib/pkgconfig" pkg-config --cflags --libs cqlio) || {
    fail "pkg-config does not know cqlio"; return; }
  run_capture cc "$SCRATCH/app.c" $flags "-Wl,-rpath,$SCRATCH/prefix/lib" -o "$SCRATCH/app-pc"
  expect_rc 0
  run_capture "$SCRATCH/app-pc"; expect_rc 0
}

test_cmake_find_package_consumer_links_the_static_library() {
  mkdir -p "$SCRATCH/consumer"
  printf '%s\n' 'cmake_minimum_required(VERSION 3.25)' 'project(consumer C)' \
    'find_package(cqlio 0.1 REQUIRED)' "add_executable(app $SCRATCH/app.c)" \
    'target_link_libraries(app PRIVATE cqlio::cqlio_static)' > "$SCRATCH/consumer/CMakeLists.txt"
  run_capture cmake -S "$SCRATCH/consumer" -B "$SCRATCH/consumer/build" "-DCMAKE_PREFIX_PATH=$SCRATCH/prefix"
  expect_rc 0
  run_capture cmake --build "$SCRATCH/consumer/build"; expect_rc 0
  run_capture "$SCRATCH/consumer/build/app"; expect_rc 0
}

check pkg_config_consumer_links_the_shared_library test_pkg_config_consumer_links_the_shared_library
check cmake_find_package_consumer_links_the_static_library test_cmake_find_package_consumer_links_the_static_library
done_testing
