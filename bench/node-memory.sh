#!/usr/bin/env bash
# One node's memory under load (issue 16): `lyceum serve` alone on the scale simulation's
# 10^4-learner site (run bench/scale.sh first: it leaves its PostgreSQL running), then 8 s
# each of the unit page, Progress and the catalog at 16 connections; PSS sampled every
# half second. Compares allocators or settings: run it with different binaries or
# environments (e.g. MIMALLOC_PURGE_DELAY=-1).
#   bench/node-memory.sh [LYCEUM_BINARY] [LABEL]
set -u
cd "$(dirname "$0")/.."
bin=${1:-${CARGO_TARGET_DIR:-target}/release/lyceum}
label=${2:-node}
work=${BENCH_DIR:-target/bench-scale}
port=18299
db=postgres://lyceum@127.0.0.1:${SCALE_PG_PORT:-55440}/run_10k
"$bin" serve --addr 127.0.0.1:$port --data "$work/node" --database-url "$db" > "$work/memory-$label.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.1; done
sleep 5
pss() { awk '/^Pss:/ {print int($2 / 1024)}' "/proc/$pid/smaps_rollup"; }
cookie=$(curl -s -o /dev/null -D - -d username=bench -d 'password=load test password 123' \
  "http://127.0.0.1:$port/login" | grep -i '^set-cookie' | sed 's/^[^:]*: //; s/;.*//')
idle=$(pss)
(while kill -0 $pid 2>/dev/null; do pss; sleep 0.5; done) > "$work/memory-$label.samples" &
sampler=$!
rates=()
for u in "/courses/course-v1:BIGORG+BIG+2026/unit/s21-1-1" "/courses/course-v1:BENCH+QUIZ+2026/progress" "/"; do
  rates+=("$(wrk -t2 -c16 -d8s -H "Cookie: $cookie" "http://127.0.0.1:$port$u" | awk '/Requests\/sec/ {printf "%d", $2}')")
done
after=$(pss)
sleep 12
later=$(pss)
kill $sampler $pid 2>/dev/null
wait $pid 2>/dev/null
peak=$(sort -n "$work/memory-$label.samples" | tail -n 1)
echo "$label: PSS idle $idle MiB, peak $peak MiB, after the runs $after MiB, 12 s later $later MiB; requests/s unit ${rates[0]}, Progress ${rates[1]}, catalog ${rates[2]}"
