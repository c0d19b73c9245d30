#!/usr/bin/env bash
# Scale simulation (issue 16): a site of 10^6 learners and 10^4 courses on PostgreSQL,
# served by three `lyceum serve` nodes behind nginx (round robin), media on an S3 object
# store on loopback (s3s-fs) when the binary has --media-url, else in a shared directory.
# Measures with wrk through nginx: a unit page, Progress, problem submissions and the
# catalog — on the 10^6 site and on a 10^4-learner site seeded the same way (the cost of a
# page must not grow with the site); then kills a node with `kill -9` in the middle of a
# unit-page run and of a submission run (nginx must fail over: no errors beyond the
# requests in flight on that node; the job table, when there is one, loses no job and runs
# none twice); reports each node's memory (PSS) under load. Writes docs/PERFORMANCE.md's
# "Scale simulation" section.
#   bench/scale.sh [SECONDS_PER_RUN]      (default 15)
# Environment: SCALE_LEARNERS (1000000), SCALE_COURSES (10000), SCALE_SMALL (10000 learners,
# the comparison site; 0 to skip it), SCALE_RESEED=1 (seed again), SCALE_PG_PORT (55440),
# BENCH_DIR (target/bench-scale), CARGO_TARGET_DIR (target).
# Each site is seeded once into a database of its own (again only when the seed binary or
# the sizes changed, or with SCALE_RESEED=1); a run measures a fresh copy of it when it is
# under 1 GB, else (the 10^6 site, 4.4 GB) the seeded database itself.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
secs=${1:-15}
conns=16
threads=2
learners=${SCALE_LEARNERS:-1000000}
courses=${SCALE_COURSES:-10000}
small=${SCALE_SMALL:-10000}
big_units=2000
work=${BENCH_DIR:-target/bench-scale}
bin=${CARGO_TARGET_DIR:-target}/release
pg_port=${SCALE_PG_PORT:-55440}
lb_port=18280
node_ports=(18281 18282 18283)
s3_port=18289
mkdir -p "$work"
work=$(cd "$work" && pwd)

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

[ -n "${SCALE_NO_BUILD:-}" ] || cargo build --release -q --bin lyceum --bin seed
# Copies: a target directory shared with other builds may be rebuilt under a long run.
mkdir -p "$work/bin"
cp "$bin/lyceum" "$bin/seed" "$work/bin/"
bin=$work/bin
lyceum=$bin/lyceum

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  true
}
trap cleanup EXIT

# ---- PostgreSQL: a cluster of the bench's own, tuned for a load test ----
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
pgdir=$work/pg
mkdir -p "$pgdir"
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
if [ ! -f "$pgdir/data/PG_VERSION" ]; then
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U lyceum --auth=trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
    || { cat "$pgdir/initdb.log" >&2; exit 1; }
fi
if ! "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; then
  # Durable as in production (fsync, synchronous commit): submissions wait for the WAL.
  # Connections: 3 nodes × a pool of 16, the seed's 8, psql, and a margin.
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 120 \
    -o "-p $pg_port -k $pgdir -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=1GB \
        -c effective_cache_size=8GB -c work_mem=16MB -c maintenance_work_mem=512MB -c max_wal_size=1GB \
        -c checkpoint_timeout=30min -c random_page_cost=1.1" \
    start >/dev/null || { cat "$pgdir/server.log" >&2; exit 1; }
fi
psql_() { "${as_pg[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$pg_port" -U lyceum -v ON_ERROR_STOP=1 -qtA "$@"; }
db_url() { echo "postgres://lyceum@127.0.0.1:$pg_port/$1"; }

# ---- Seeding, once per size (a template database), then a fresh copy per run ----
seed_site() { # name learners courses
  local name=$1 n=$2 c=$3 stamp
  stamp="$(sha256sum "$bin/seed" | cut -c1-16) $n $c $big_units"
  if [ -z "${SCALE_RESEED:-}" ] && [ "$(cat "$work/seed-$name.ok" 2>/dev/null)" = "$stamp" ]; then
    echo "site $name: seeded earlier ($(cat "$work/seed-$name.time") s)"
    return
  fi
  rm -f "$work/seed-$name.ok"
  psql_ -d postgres -c "DROP DATABASE IF EXISTS seed_$name" -c "CREATE DATABASE seed_$name"
  rm -rf "$work/site-$name"
  echo "site $name: seeding $n learners, $c courses …"
  local t0; t0=$(date +%s)
  "$bin/seed" --database-url "$(db_url "seed_$name")" "$work/site-$name" "$n" "$c" "$big_units" \
    > "$work/site-$name.out" 2> "$work/site-$name.log" || { cat "$work/site-$name.log" >&2; exit 1; }
  echo $(( $(date +%s) - t0 )) > "$work/seed-$name.time"
  sed 's/^/  /' "$work/site-$name.log"
  echo "$stamp" > "$work/seed-$name.ok"
}
seed_site 1m "$learners" "$courses"
[ "$small" -gt 0 ] && seed_site 10k "$small" $(( courses * small / learners > 100 ? courses * small / learners : 100 ))

# ---- Media: an S3 object store on loopback when the binary can use one ----
media_args=()
media_note="a directory shared by the nodes (this lyceum has no --media-url)"
if "$lyceum" serve --help | grep -q -- --media-url; then
  s3fs=$(command -v s3s-fs || ls /work/tools/bin/s3s-fs "${CARGO_TARGET_DIR:-target}"/tools/bin/s3s-fs 2>/dev/null | head -n 1 || true)
  if [ -n "$s3fs" ]; then
    rm -rf "$work/s3" && mkdir -p "$work/s3/lyceum"
    "$s3fs" --host 127.0.0.1 --port $s3_port --access-key bench --secret-key benchsecret "$work/s3" > "$work/s3.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$s3_port) 2>/dev/null && break; sleep 0.1; done
    export AWS_ENDPOINT=http://127.0.0.1:$s3_port AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=benchsecret \
      AWS_DEFAULT_REGION=us-east-1 AWS_ALLOW_HTTP=true
    media_args=(--media-url s3://lyceum)
    media_note="S3 (s3s-fs on 127.0.0.1:$s3_port, bucket lyceum)"
  else
    echo "this lyceum has --media-url but s3s-fs is not installed: media in a shared directory" >&2
  fi
fi
echo "media: $media_note"

# ---- nginx in front of the three nodes ----
mkdir -p "$work/nginx-tmp"
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  # Tab-separated: the upstream fields list every node tried ("A, B").
  log_format scale '\$msec\t\$status\t\$request_method\t\$upstream_addr\t\$upstream_status';
  access_log $work/access.log scale buffer=256k flush=1s;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx-tmp;
  proxy_temp_path $work/nginx-tmp;
  fastcgi_temp_path $work/nginx-tmp;
  uwsgi_temp_path $work/nginx-tmp;
  scgi_temp_path $work/nginx-tmp;
  upstream lyceum {
    # Round robin; a node that refuses or times out is left alone for 5 s.
    server 127.0.0.1:${node_ports[0]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${node_ports[1]} max_fails=1 fail_timeout=5s;
    server 127.0.0.1:${node_ports[2]} max_fails=1 fail_timeout=5s;
    keepalive 64;
  }
  server {
    listen 127.0.0.1:$lb_port;
    location / {
      proxy_pass http://lyceum;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      # Another node when one is down; a POST already sent is not repeated (nginx's
      # default for non-idempotent requests), so a submission is never graded twice.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      proxy_buffering on;
    }
  }
}
NGINX

node_pid=()
start_node() { # index url
  local i=$1
  "$lyceum" serve --addr "127.0.0.1:${node_ports[$i]}" --data "$work/node" --database-url "$2" "${media_args[@]}" \
    >> "$work/node$i.log" 2>&1 &
  node_pid[$i]=$!
  pids+=($!)
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:${node_ports[$i]}/healthz" >/dev/null && return; sleep 0.1; done
  echo "node $i did not start" >&2; tail "$work/node$i.log" >&2; exit 1
}
stop_nodes() {
  for i in 0 1 2; do [ -n "${node_pid[$i]:-}" ] && kill "${node_pid[$i]}" 2>/dev/null; done
  for i in 0 1 2; do [ -n "${node_pid[$i]:-}" ] && wait "${node_pid[$i]}" 2>/dev/null; done
  node_pid=()
  true
}

# PSS of every live node, sampled each second while a run lasts; the largest kept.
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
sample_pss() { # file seconds
  local end=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$end" ]; do
    for i in 0 1 2; do
      local p=${node_pid[$i]:-}
      [ -n "$p" ] && kill -0 "$p" 2>/dev/null && echo "$i $(pss_kib "$p") $(awk '/^Rss:/ {r=$2} /^Pss_Anon:/ {a=$2} /^Pss_File:/ {f=$2} END {print r, a, f}' "/proc/$p/smaps_rollup" 2>/dev/null)"
    done
    sleep 1
  done > "$1"
}

lb=http://127.0.0.1:$lb_port
run() { # site name url [lua script]
  local hdr=(-H "Cookie: $cookie")
  [ -n "${4:-}" ] && hdr+=(-s "$4")
  wrk -t$threads -c$conns -d2s "${hdr[@]}" "$3" >/dev/null          # warm up
  sample_pss "$work/pss-$1-$2.txt" "$secs" &
  local sampler=$!
  wrk -t$threads -c$conns -d${secs}s --latency "${hdr[@]}" "$3" > "$work/wrk-$1-$2.txt"
  wait $sampler
  echo "  $2: $(grep 'Requests/sec' "$work/wrk-$1-$2.txt")"
}


# The job table, when this lyceum has one: counts by state, and what must never be.
jobs_exist() { [ "$(psql_ -d "$1" -c "SELECT to_regclass('jobs') IS NOT NULL")" = t ]; }
jobs_report() { # db label
  if ! jobs_exist "$1"; then echo "  jobs ($2): no job table in this lyceum — skipped"; return; fi
  local now_ms; now_ms=$(( $(date +%s%N) / 1000000 ))
  echo "  jobs ($2): by state: $(psql_ -d "$1" -c "SELECT string_agg(state || ' ' || n, ', ' ORDER BY state) FROM (SELECT state, COUNT(*) n FROM jobs GROUP BY state) s")"
  echo "  jobs ($2): periodic slots with more than one job: $(psql_ -d "$1" -c "SELECT COUNT(*) FROM (SELECT dedupe_key FROM jobs WHERE dedupe_key IS NOT NULL GROUP BY dedupe_key HAVING COUNT(*) > 1) d")"
  echo "  jobs ($2): running past their lease: $(psql_ -d "$1" -c "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND lease_until < $now_ms")"
  echo "  jobs ($2): queued and overdue by more than 2 minutes (lost?): $(psql_ -d "$1" -c "SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_after < $now_ms - 120000")"
  echo "  jobs ($2): begun more than once: $(psql_ -d "$1" -c "SELECT COALESCE(string_agg(kind || ' #' || id || ' (' || attempts || ' attempts, ' || failures || ' failures)', ', '), 'none') FROM jobs WHERE attempts > 1")"
}

# Requests nginx logged between two times (ms): per upstream, statuses, rates.
access_between() { # from_ms to_ms
  sleep 1.2   # the access log's buffer is flushed each second
  awk -v a="$1" -v b="$2" '{ t = $1 * 1000; if (t >= a && t < b) print }' "$work/access.log"
}

failover() { # site db kind url [lua]
  local site=$1 db=$2 kind=$3 url=$4 lua=${5:-} victim=1 dur=$(( secs > 12 ? secs : 12 ))
  local hdr=(-H "Cookie: $cookie")
  [ -n "$lua" ] && hdr+=(-s "$lua")
  jobs_report "$db" "before the $kind run" | tee -a "$work/jobs.txt"
  local t_start; t_start=$(( $(date +%s%N) / 1000000 ))
  wrk -t$threads -c$conns -d${dur}s --latency "${hdr[@]}" "$url" > "$work/wrk-$site-failover-$kind.txt" &
  local w=$!
  sleep $(( dur / 2 ))
  local port=${node_ports[$victim]}
  # Connections nginx holds open to the victim: an upper bound of its requests in flight.
  local open; open=$(ss -Htn state established "( dport = :$port )" | wc -l)
  local t_kill; t_kill=$(( $(date +%s%N) / 1000000 ))
  kill -9 "${node_pid[$victim]}"
  wait "${node_pid[$victim]}" 2>/dev/null || true
  node_pid[$victim]=""
  wait $w
  local t_end; t_end=$(( $(date +%s%N) / 1000000 ))
  access_between "$t_start" "$t_end" > "$work/access-$site-failover-$kind.txt"
  python3 - "$work/access-$site-failover-$kind.txt" "$work/wrk-$site-failover-$kind.txt" "$t_start" "$t_kill" "$t_end" "$port" "$open" "$kind" \
    > "$work/failover-$site-$kind.txt" <<'PY'
import sys, re, collections
log, wrk, t0, tk, t1, port, open_conns, kind = sys.argv[1:]
t0, tk, t1 = int(t0), int(tk), int(t1)
rows = [l.rstrip("\n").split("\t") for l in open(log) if l.strip()]
text = open(wrk).read()
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: (.*)", text)
total = re.search(r"(\d+) requests in", text)
errors = [r for r in rows if not r[1].startswith("2")]
victim = f"127.0.0.1:{port}"
before = [r for r in rows if float(r[0]) * 1000 < tk]
after = [r for r in rows if float(r[0]) * 1000 >= tk + 1000]
last = lambda r: r[3].split(",")[-1].strip()
after_victim = [r for r in after if last(r) == victim]
retried = [r for r in rows if "," in r[3]]
def rate(rs, a, b):
    return len(rs) / max((b - a) / 1000, 0.001)
by_node = collections.Counter(last(r) for r in after)
print(f"kind={kind}")
print(f"wrk_requests={total.group(1) if total else '?'}")
print(f"wrk_non2xx={non2xx.group(1) if non2xx else 0}")
print(f"wrk_socket_errors={sock.group(1).strip() if sock else 'none'}")
print(f"nginx_errors={len(errors)} {dict(collections.Counter(r[1] for r in errors))}")
print(f"in_flight_bound={open_conns}")
print(f"retried_on_another_node={len(retried)}")
print(f"rps_before_kill={rate(before, t0, tk):.0f}")
print(f"rps_after_kill={rate(after, tk + 1000, t1):.0f}")
print(f"served_by_killed_node_after_kill={len(after_victim)}")
print(f"after_kill_by_node={dict(by_node)}")
PY
  sed 's/^/    /' "$work/failover-$site-$kind.txt"
  start_node $victim "$(db_url "$db")"
  jobs_report "$db" "after the $kind run" | tee -a "$work/jobs.txt"
}

measure_site() { # name
  local site=$1 db=run_$1
  read -r course unit < "$work/site-$site.out"
  # A fresh copy of the seeded database when it is small; the large one (GBs, on a shared
  # disk) is measured in place: a run's writes (a few thousand attempts by one learner)
  # are nothing next to its millions of rows.
  local size; size=$(psql_ -d postgres -c "SELECT pg_database_size('seed_$site')")
  if [ "$size" -lt $(( 1024 * 1024 * 1024 )) ]; then
    echo "site $site: fresh copy of the seeded database …"
    psql_ -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE seed_$site STRATEGY FILE_COPY"
  else
    echo "site $site: measured on the seeded database itself ($(( size / 1024 / 1024 )) MiB)"
    db=seed_$site
  fi
  mkdir -p "$work/node"
  for i in 0 1 2; do start_node $i "$(db_url "$db")"; done
  if [ -f "$work/nginx.pid" ] && kill -0 "$(cat "$work/nginx.pid")" 2>/dev/null; then
    "$NGINX" -c "$work/nginx.conf" -p "$work" -s reload
  else
    "$NGINX" -c "$work/nginx.conf" -p "$work"
  fi
  for _ in $(seq 50); do curl -sf "$lb/healthz" >/dev/null && break; sleep 0.1; done
  # Each node runs its hourly background work as it starts (sweeps, settling open
  # responses course by course): wait until the nodes are idle, so the runs measure pages.
  local t0 cpu last=-1 waited=0; t0=$(date +%s)
  while [ $waited -lt 300 ]; do
    cpu=0
    for i in 0 1 2; do cpu=$(( cpu + $(awk '{print $14 + $15}' "/proc/${node_pid[$i]}/stat") )); done
    [ $last -ge 0 ] && [ $(( cpu - last )) -le 10 ] && break
    last=$cpu; sleep 2; waited=$(( $(date +%s) - t0 ))
  done
  echo "site $site: the nodes' start-up background work took about $(( $(date +%s) - t0 )) s" | tee "$work/startup-$site.txt"
  cookie=$(curl -s -o /dev/null -D - -d username=bench -d 'password=load test password 123' "$lb/login" \
    | tr -d '\r' | sed -n 's/^set-cookie: \(lyceum_session=[^;]*\).*/\1/ip')
  [ -n "$cookie" ] || { echo "login failed" >&2; exit 1; }
  local unit_url="$lb/courses/$course/unit/$unit" progress_url="$lb/courses/course-v1:BENCH+QUIZ+2026/progress"
  # Into files first: grep -q stops reading at the first match, and curl's broken pipe
  # would then fail the check.
  curl -sf -H "Cookie: $cookie" "$unit_url" > "$work/unit-$site.html" || true
  grep -q 'class="unit-title"' "$work/unit-$site.html" || { echo "the unit page did not render" >&2; exit 1; }
  curl -sf -H "Cookie: $cookie" "$progress_url" > "$work/progress-$site.html" || true
  grep -q 'id="grade-chart"' "$work/progress-$site.html" || { echo "the Progress page did not render" >&2; exit 1; }
  submit_lua "$work/site-$site" "$work/submit-$site.lua"
  echo "site $site: measuring through nginx ($threads threads, $conns connections, $secs s a run)"
  run "$site" unit "$unit_url"
  run "$site" progress "$progress_url"
  run "$site" catalog "$lb/"
  run "$site" submit "$lb/api/v1/problems" "$work/submit-$site.lua"
  for i in 0 1 2; do echo "$(pss_kib "${node_pid[$i]}")"; done > "$work/pss-$site-idle.txt"
  if [ "$site" = 1m ]; then
    echo "site $site: kill -9 a node in the middle of a run"
    : > "$work/jobs.txt"
    failover "$site" "$db" unit "$unit_url"
    failover "$site" "$db" submit "$lb/api/v1/problems" "$work/submit-$site.lua"
  fi
  stop_nodes
}

measure_site 1m
[ "$small" -gt 0 ] && measure_site 10k

python3 - "$work" "$secs" "$conns" "$threads" "$learners" "$courses" "$small" "$media_note" <<'PY'
import re, sys, os, datetime, subprocess, glob
work, secs, conns, threads, learners, courses, small, media = sys.argv[1:]
learners, courses, small = int(learners), int(courses), int(small)
def parse(site, name):
    t = open(f"{work}/wrk-{site}-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    def lat(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    e = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    s = re.search(r"Socket errors: (.*)", t)
    return rps, lat(50), lat(99), int(e.group(1)) if e else 0, s.group(1).strip() if s else ""
def pss(site):
    peak = {}
    for f in glob.glob(f"{work}/pss-{site}-*.txt"):
        if f.endswith("-idle.txt"):
            continue
        for line in open(f):
            i, p, r, a, fl = (line.split() + ["0"] * 4)[:5]
            peak[i] = max(peak.get(i, (0, 0, 0, 0)), (int(p), int(r), int(a), int(fl)))
    return peak
def seed_time(site):
    try: return int(open(f"{work}/seed-{site}.time").read())
    except OSError: return None
def kv(path):
    d = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        d[k] = v
    return d
sites = ["1m"] + (["10k"] if small > 0 else [])
label = {"1m": f"{learners:,} learners, {courses:,} courses", "10k": f"{small:,} learners"}
names = {"unit": "unit page (logged in, large course)", "progress": "Progress page (200 graded problems)",
         "catalog": "catalog (logged in)", "submit": "problem submission (JSON API, every request a new attempt)"}
rows = {s: {n: parse(s, n) for n in names} for s in sites}
cpu = subprocess.run(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.strip()
seed_log = open(f"{work}/site-1m.log").read() if os.path.exists(f"{work}/site-1m.log") else ""
counts = re.search(r"rows: (.*)", seed_log)
L = [
    "<!-- bench/scale.sh writes this section; do not edit by hand -->",
    f"## Scale simulation ({datetime.date.today()}, `bench/scale.sh {secs}`)",
    "",
    f"Three `lyceum serve` nodes on PostgreSQL behind nginx (round robin, keepalive to the nodes, "
    f"`proxy_next_upstream error timeout`), media: {media}. PostgreSQL {subprocess.run(['sh','-c','ls /usr/lib/postgresql | sort -V | tail -1'],capture_output=True,text=True).stdout.strip()} "
    "with fsync and synchronous commit on, shared_buffers 1 GB. "
    f"Machine: {os.cpu_count()} cores ({cpu}), shared with other builds while this ran: the figures are noisy. "
    f"wrk on the same machine: {threads} threads, {conns} connections, {secs} s per run after a 2 s warm-up. "
    f"Command: `CARGO_TARGET_DIR=… bench/scale.sh {secs}`.",
    "",
    f"The large site: {label['1m']}" + (f" (seeded in {seed_time('1m')} s; {counts.group(1)})" if counts and seed_time('1m') else "") + ". "
    "Courses, the graded course's answers (51 learners × 200 problems through the submission path) and one sample answer and open "
    "response are written through the repository; the bulk (learners, ~3 enrolments each, completions, problem submissions and "
    "scores, open responses in every course) is multiplied from those rows with `INSERT … SELECT` (bench/src/bin/seed.rs, `bulk`).",
    "",
    "| page | " + " | ".join(f"{label[s]}: req/s | p50 | p99 | errors" for s in sites) + " |",
    "|---|" + "---:|---:|---:|---:|" * len(sites),
]
for n, title in names.items():
    cells = []
    for s in sites:
        rps, p50, p99, err, sock = rows[s][n]
        cells.append(f"{rps:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {err}{' + ' + sock if sock else ''}")
    L.append(f"| {title} | " + " | ".join(cells) + " |")
if len(sites) == 2:
    L.append("")
    ratio = {n: rows["10k"][n][0] / rows["1m"][n][0] for n in names}
    L.append("- Cost against site size, requests/s on the 10^4 site ÷ on the 10^6 site: "
             + ", ".join(f"{n} **{r:.2f}**" for n, r in ratio.items())
             + " (above about 1.3, beyond this machine's noise, the page costs more on the large site).")
L.append("")
for s in sites:
    try:
        L.append(f"- {open(f'{work}/startup-{s}.txt').read().strip().replace('site ' + s + ': the', 'On the ' + label[s] + ' site the', 1)} (waited for before measuring).")
    except OSError:
        pass
for s in sites:
    peak = pss(s)
    parts = ", ".join(f"node {int(i)+1}: {p/1024:.1f} MiB (heap {a/1024:.1f}, binary's pages {fl/1024:.1f}; RSS {r/1024:.1f})"
                      for i, (p, r, a, fl) in sorted(peak.items()))
    top = max((v[0] for v in peak.values()), default=0) / 1024
    L.append(f"- Memory under load ({label[s]}), the largest PSS sampled each second during the runs: {parts}; "
             f"target ≤ 40 MiB: {'met' if top <= 40 else 'NOT met'}.")
for kind in ["unit", "submit"]:
    path = f"{work}/failover-1m-{kind}.txt"
    if not os.path.exists(path):
        continue
    d = kv(path)
    L.append(f"- `kill -9` of node 2 half-way through a {kind} run: wrk saw {d['wrk_non2xx']} non-2xx of {d['wrk_requests']} requests "
             f"(socket errors: {d['wrk_socket_errors']}); nginx logged {d['nginx_errors']}; in flight on the node at most "
             f"{d['in_flight_bound']} (connections nginx held open to it); {d['retried_on_another_node']} requests retried on another node; "
             f"{d['rps_before_kill']} req/s before the kill, {d['rps_after_kill']} after on the two others "
             f"({d['after_kill_by_node']}); requests to the killed node after the kill: {d['served_by_killed_node_after_kill']}.")
jobs = f"{work}/jobs.txt"
if os.path.exists(jobs):
    seen = []
    for line in open(jobs):
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    if all("no job table" in line for line in seen):
        seen = ["jobs: this lyceum has no job table; the checks around the kills were skipped"]
    L += [f"- {line}" for line in seen]
L += ["", "<!-- end of bench/scale.sh section -->", ""]
path = "docs/PERFORMANCE.md"
text = open(path).read() if os.path.exists(path) else "# Performance\n\n"
start = text.find("<!-- bench/scale.sh writes this section")
if start >= 0:
    end = text.find("<!-- end of bench/scale.sh section -->", start)
    text = text[:start] + (text[end + len("<!-- end of bench/scale.sh section -->\n"):] if end >= 0 else "")
text = text.rstrip("\n") + "\n\n" + "\n".join(L)
open(path, "w").write(text)
print("\n".join(L))
PY
