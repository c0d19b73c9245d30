#!/usr/bin/env bash
# Load test: seed a large site (10,000 learners, 500 courses, one of 2,000 units, and a
# graded course of 200 problems; 100,000 discussion posts in the large course), then
# measure with wrk, in one run: the catalog and a unit page as a logged-in learner, nginx
# serving a saved copy of that same unit page as a static file (the physical limit of
# this machine), the Progress page of a learner who answered all 200 problems, problem
# submissions through the JSON API, and in the discussions: replies posted through the
# API (1,000 learners in turn), search, a topic's thread list and a thread.
# Writes the figures to docs/PERFORMANCE.md.
#   bench/run.sh [SECONDS_PER_RUN]      (default 15)
# Environment:
#   BENCH_BACKEND=postgres   the same site on PostgreSQL: a private server with its default,
#                            durable settings (fsync, synchronous commit) in $BENCH_DIR/pg,
#                            on port 18183; seeded once into database lyceum_seeded, and every
#                            run starts from a copy of it (CREATE DATABASE … TEMPLATE)
#   BENCH_CONNECTIONS=N      wrk's connections (default 16)
#   BENCH_BIN=PATH           serve with this lyceum binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
secs=${1:-15}
conns=${BENCH_CONNECTIONS:-16}
threads=2
work=${BENCH_DIR:-target/bench}
backend=${BENCH_BACKEND:-sqlite}
bin_dir=${CARGO_TARGET_DIR:-target}/release
mkdir -p "$work"
# What the seeder writes: a site seeded by an older one is seeded again (2: the large
# course translated into French).
seed_version=2

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -gt 0 ]; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -n "${BENCH_BIN:-}" ]; then
  [ -x "$bin_dir/seed" ] || cargo build --release -q --bin seed
  lyceum=$BENCH_BIN
else
  cargo build --release -q --bin lyceum --bin seed
  lyceum=$bin_dir/lyceum
fi

pg_stop() { :; }
if [ "$backend" = postgres ]; then
  data="$work/site-pg"
  seed_out="$work/seed-pg.out"
  pg_dir="$PWD/$work/pg"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  mkdir -p "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
  [ -f "$pg_dir/data/PG_VERSION" ] || "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U lyceum \
    --auth=trust -E UTF8 --locale=C.UTF-8 > "$pg_dir/initdb.log"
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p 18183 -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=256MB" start > /dev/null
  pg_stop() { "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop > /dev/null; }
  psql_() { "$pg_bin/psql" -q -h 127.0.0.1 -p 18183 -U lyceum -d postgres "$@"; }
  pg_url=postgres://lyceum@127.0.0.1:18183
  if [ ! -f "$data/posters.txt" ] || [ "$(cat "$data/seed-version" 2>/dev/null)" != "$seed_version" ]; then
    rm -rf "$data"
    psql_ -c "DROP DATABASE IF EXISTS lyceum_seeded" -c "CREATE DATABASE lyceum_seeded"
    echo "seeding PostgreSQL (and $data) …"
    t0=$(date +%s)
    "$bin_dir/seed" --database-url "$pg_url/lyceum_seeded" "$data" 10000 500 2000 > "$seed_out"
    psql_ -d lyceum_seeded -c "VACUUM ANALYZE"
    echo "$seed_version" > "$data/seed-version"
    echo "seeded in $(( $(date +%s) - t0 )) s"
  fi
  # Every run starts from the site as seeded (see below).
  psql_ -c "DROP DATABASE IF EXISTS lyceum_bench" -c "CREATE DATABASE lyceum_bench TEMPLATE lyceum_seeded"
  db_args=(--database-url "$pg_url/lyceum_bench")
else
  data="$work/site"
  seed_out="$work/seed.out"
  if [ ! -f "$data/posters.txt" ] || [ "$(cat "$data/seed-version" 2>/dev/null)" != "$seed_version" ]; then
    rm -rf "$data"
    echo "seeding $data …"
    t0=$(date +%s)
    "$bin_dir/seed" "$data" 10000 500 2000 > "$seed_out"
    echo "$seed_version" > "$data/seed-version"
    echo "seeded in $(( $(date +%s) - t0 )) s"
  fi
  # Every run starts from the site as seeded: the write runs (submissions, replies) add tens
  # of thousands of rows, and a second run on their leftovers would measure a bigger site.
  if [ ! -d "$work/site.seeded" ] || [ "$data/posters.txt" -nt "$work/site.seeded" ]; then
    rm -rf "$work/site.seeded"
    cp -a "$data" "$work/site.seeded"
  else
    rm -rf "$data"
    cp -a "$work/site.seeded" "$data"
  fi
  db_args=()
fi
read -r course unit < "$seed_out"

port=18181
env -u LYCEUM_DATABASE_URL "$lyceum" serve --addr 127.0.0.1:$port --data "$data" "${db_args[@]}" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; pg_stop; true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

cookie=$(curl -s -o /dev/null -D - -d username=bench -d 'password=load test password 123' "http://127.0.0.1:$port/login" \
  | tr -d '\r' | sed -n 's/^set-cookie: \(lyceum_session=[^;]*\).*/\1/ip')
[ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
unit_url="http://127.0.0.1:$port/courses/$course/unit/$unit"
catalog_url="http://127.0.0.1:$port/"
progress_url="http://127.0.0.1:$port/courses/course-v1:BENCH+QUIZ+2026/progress"
submit_url="http://127.0.0.1:$port/api/v1/problems"

submit_lua "$data" "$work/submit.lua"

# Discussions: each request a new reply, by the next of 1,000 learners (each within the
# trusted hourly quota), to one of 200 recent threads; search for words in English,
# French and Arabic; a topic's first page of threads; one thread with its replies.
course_id="$course"
{
  echo "local cookies = {"
  while read -r c; do echo "  \"lyceum_session=$c\","; done < "$data/posters.txt"
  echo "}"
  echo "local threads = {"
  while read -r t; do echo "  $t,"; done < "$data/discussion-threads.txt"
  echo "}"
  lua_thread_ids
  cat <<'LUA'
function init(args)
  n = 0
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  n = n + 1
  local k = tid * 100003 + n
  wrk.headers["Cookie"] = cookies[(k % #cookies) + 1]
  local t = threads[(k % #threads) + 1]
  return wrk.format("POST", "/api/v1/threads/" .. t .. "/replies", nil,
    '{"body":"Reply ' .. k .. ': our library partnership worked; see the **sources** list."}')
end
LUA
} > "$work/post.lua"
cat > "$work/search.lua" <<LUA
local words = {"museum", "partenariat", "biblioth%C3%A8que", "%D9%85%D9%83%D8%AA%D8%A8%D8%A9", "wikidata", "volunteers%20licence", "socios"}
local n = 0
function request()
  n = n + 1
  return wrk.format("GET", "/api/v1/courses/$course_id/discussions/threads?q=" .. words[(n % #words) + 1])
end
-- wrk prints p90 and p99; the target is a p95.
function done(summary, latency, requests)
  local f = io.open("$work/search-p95.txt", "w")
  f:write(string.format("%.3f", latency:percentile(95) / 1000))
  f:close()
end
LUA
first_thread=$(head -n 1 "$data/discussion-threads.txt")
search_url="http://127.0.0.1:$port/api/v1/courses/$course_id/discussions/threads?q=museum"
topic_url="http://127.0.0.1:$port/api/v1/courses/$course_id/discussions/threads?topic=general"
thread_url="http://127.0.0.1:$port/api/v1/threads/$first_thread"
post_url="http://127.0.0.1:$port/api/v1/threads/$first_thread/replies"
for u in "$search_url" "$topic_url" "$thread_url"; do
  curl -sf -H "Cookie: $cookie" "$u" > /dev/null || { echo "$u did not answer" >&2; exit 1; }
done

# A static copy of exactly the page the learner gets.
mkdir -p "$work/static"
curl -sf -H "Cookie: $cookie" "$unit_url" > "$work/static/unit.html"
grep -q 'class="unit-title"' "$work/static/unit.html" || { echo "the unit page did not render" >&2; exit 1; }
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
daemon on;
pid $PWD/$work/nginx.pid;
error_log $PWD/$work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $PWD/$work/nginx-tmp;
  proxy_temp_path $PWD/$work/nginx-tmp;
  fastcgi_temp_path $PWD/$work/nginx-tmp;
  uwsgi_temp_path $PWD/$work/nginx-tmp;
  scgi_temp_path $PWD/$work/nginx-tmp;
  server {
    listen 127.0.0.1:18182;
    root $PWD/$work/static;
    default_type text/html;
  }
}
NGINX
mkdir -p "$work/nginx-tmp"
"$NGINX" -c "$PWD/$work/nginx.conf" -p "$PWD/$work"
static_url="http://127.0.0.1:18182/unit.html"

# Whether the page at URL, as the learner, contains TEXT. Read whole before looking: with
# `curl | grep -q` and pipefail, grep leaving at the first match made curl fail on the
# closed pipe, and a page that had rendered failed the check now and then.
renders() { # url text
  local page
  page=$(curl -sf -H "Cookie: $cookie" "$1") && grep -qF -- "$2" <<< "$page"
}
run() { # name url [cookie] [lua script]
  local hdr=()
  [ -n "${3:-}" ] && hdr=(-H "Cookie: $3")
  [ -n "${4:-}" ] && hdr+=(-s "$4")
  wrk -t$threads -c$conns -d2s "${hdr[@]}" "$2" >/dev/null          # warm up
  wrk -t$threads -c$conns -d${secs}s --latency "${hdr[@]}" "$2" > "$work/wrk-$1.txt"
  echo "$1: $(grep 'Requests/sec' "$work/wrk-$1.txt")"
}
renders "$progress_url" 'id="grade-chart"' || { echo "the Progress page did not render" >&2; exit 1; }
run static "$static_url"
run unit "$unit_url" "$cookie"
renders "$unit_url?content_lang=fr" '(fr) ' || { echo "the French unit page did not render" >&2; exit 1; }
run unit-fr "$unit_url?content_lang=fr" "$cookie"
run catalog "$catalog_url" "$cookie"
run progress "$progress_url" "$cookie"
run submit "$submit_url" "$cookie" "$work/submit.lua"
# The discussion reads first, over the 100,000 posts as seeded; then the replies.
run search "$search_url" "$cookie" "$work/search.lua"
run topic "$topic_url" "$cookie"
run thread "$thread_url" "$cookie"
run post "$post_url" "" "$work/post.lua"
rss_kb=$(ps -o rss= -p $server | tr -d ' ')
html_bytes=$(wc -c < "$work/static/unit.html")
html_gz=$(gzip -9c "$work/static/unit.html" | wc -c)

python3 - "$work" "$secs" "$conns" "$threads" "$rss_kb" "$html_bytes" "$html_gz" "$course" "$unit" "$backend" <<'PY'
import re, sys, datetime, os, subprocess
work, secs, conns, threads, rss, html, html_gz, course, unit, backend = sys.argv[1:]
db = "PostgreSQL" if backend == "postgres" else "SQLite"
site_db = "PostgreSQL with its default, durable settings and shared_buffers 256 MB, on the same machine" if backend == "postgres" else "SQLite, WAL"
def parse(name):
    t = open(f"{work}/wrk-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def lat(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return rps, lat(50), lat(99), int(errors.group(1)) if errors else 0, lat(90)
marker = "<!-- bench/run.sh writes this section; do not edit by hand -->" if backend != "postgres" else "<!-- bench/run.sh writes this section on PostgreSQL; do not edit by hand -->"
end_marker = "<!-- end of bench/run.sh section -->" if backend != "postgres" else "<!-- end of bench/run.sh section on PostgreSQL -->"
rows = {n: parse(n) for n in ["static", "unit", "unit-fr", "catalog", "progress", "submit", "post", "search", "topic", "thread"]}
search_p95 = float(open(f"{work}/search-p95.txt").read())
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
ratio = rows["unit"][0] / rows["static"][0] * 100
ok_ratio = ratio >= 30
ok_p99 = rows["unit"][2] <= 10
lines = [
    marker,
    f"## Load test{' on PostgreSQL' if backend == 'postgres' else ''} ({datetime.date.today()}, `{'BENCH_BACKEND=postgres ' if backend == 'postgres' else ''}bench/run.sh`)",
    "",
    f"Site: 10,000 learners, 500 courses, one of 2,000 units, one of 200 graded problems answered by 51 learners, 100,000 discussion posts in 10,000 threads ({site_db}). Machine: {os.cpu_count()} cores ({cpu}).",
    f"wrk: {threads} threads, {conns} connections, {secs} s per run after a 2 s warm-up, on the same machine as the servers.",
    f"Unit page: `{course}` unit `{unit}` as a logged-in, enrolled learner ({int(html):,} bytes; {int(html_gz):,} gzipped).",
    "",
    "| what | requests/s | p50 | p99 | non-2xx |",
    "|---|---:|---:|---:|---:|",
]
names = {"static": "nginx, the same unit page as a static file", "unit": "Lyceum, unit page (logged in)",
         "unit-fr": "Lyceum, the same unit page in French (a published translation)", "catalog": "Lyceum, catalog (logged in, 500 courses)",
         "progress": "Lyceum, Progress page (200 graded problems, all answered)", "submit": "Lyceum, problem submission (JSON API, every request a new attempt)",
         "post": "Lyceum, discussion reply (JSON API, 1,000 learners in turn, every request a new post)",
         "search": "Lyceum, discussion search over 100,000 posts (JSON API, 7 queries in en, fr, ar)",
         "topic": "Lyceum, a topic's threads, first page (JSON API, 10,000 threads)", "thread": "Lyceum, one thread with its replies (JSON API)"}
for n, (rps, p50, p99, err, _p90) in rows.items():
    lines.append(f"| {names[n]} | {rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {err} |")
lines += [
    "",
    f"- Unit page at **{ratio:.0f} %** of the static file's rate (target ≥ 30 %): {'met' if ok_ratio else 'NOT met'}.",
    f"- Unit page p99 **{rows['unit'][2]:.2f} ms** at {conns} connections (target ≤ 10 ms): {'met' if ok_p99 else 'NOT met'}.",
    f"- Unit page in French at **{rows['unit-fr'][0] / rows['unit'][0] * 100:.0f} %** of the source's rate (target ≥ 90 %): {'met' if rows['unit-fr'][0] >= 0.9 * rows['unit'][0] else 'NOT met'}.",
    f"- Progress page p99 **{rows['progress'][2]:.2f} ms** (target ≤ 15 ms): {'met' if rows['progress'][2] <= 15 else 'NOT met'}.",
    f"- Submission p99 **{rows['submit'][2]:.2f} ms** at {conns} connections on {db} (target ≤ 10 ms): {'met' if rows['submit'][2] <= 10 else 'NOT met'}.",
    f"- Discussion reply p99 **{rows['post'][2]:.2f} ms** at {conns} connections on {db} (target ≤ 20 ms): {'met' if rows['post'][2] <= 20 else 'NOT met'}.",
    f"- Discussion search p95 **{search_p95:.2f} ms** over 100,000 posts (target ≤ 20 ms; p90 {rows['search'][4]:.2f} ms, p99 {rows['search'][2]:.2f} ms): {'met' if search_p95 <= 20 else 'NOT met'}.",
    f"- Lyceum's resident memory after the runs: {int(rss)/1024:.0f} MiB.",
    "",
]
path = "docs/PERFORMANCE.md"
text = open(path).read() if os.path.exists(path) else "# Performance\n\n"
start = text.find(marker)
if start >= 0:
    end = text.find(end_marker, start)
    text = text[:start] + text[end + len(end_marker + "\n"):] if end >= 0 else text[:start]
text = text.rstrip("\n") + "\n\n" + "\n".join(lines) + end_marker + "\n"
open(path, "w").write(text)
print("\n".join(lines))
PY
