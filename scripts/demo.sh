#!/usr/bin/env bash
# Build Lyceum and run the demo: a new data directory with courses and users, and a local
# MediaWiki (Debian's packages, scripts/mediawiki/start-mediawiki.sh) for the wiki tasks of
# the course "Editing basics", passed to the demo with --wiki.
#   scripts/demo.sh [--addr 127.0.0.1:8080] [--data DIR]
#   LYCEUM_DEMO_WIKI=0 scripts/demo.sh   # without the local wiki
#   LYCEUM_DEMO_WIKI_PORT=18080          # the wiki's port (default 18080)
set -euo pipefail
cd "$(dirname "$0")/.."
LYCEUM_SETUP_TESTS=0 source scripts/setup.sh
cargo build --release --bin lyceum
wiki=()
if [ "${LYCEUM_DEMO_WIKI:-1}" = 1 ]; then
  port="${LYCEUM_DEMO_WIKI_PORT:-18080}"
  dir="${TMPDIR:-/tmp}/lyceum-demo-wiki-$port"
  if url=$(scripts/mediawiki/start-mediawiki.sh "$dir" "$port" | tail -n 1) && [ -n "$url" ]; then
    echo "A local MediaWiki for the wiki tasks is at $url (log in there as Learner1, password LearnerPass-111111; stop it with scripts/mediawiki/stop-mediawiki.sh $dir)" >&2
    wiki=(--wiki "$url")
  else
    echo "The local MediaWiki could not be started: the demo's wiki tasks will say their wiki is not available" >&2
  fi
fi
exec target/release/lyceum demo "${wiki[@]}" "$@"
