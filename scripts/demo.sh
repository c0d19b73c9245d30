#!/usr/bin/env bash
# Build Lyceum and run the demo: a new data directory with courses and users.
#   scripts/demo.sh [--addr 127.0.0.1:8080] [--data DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
LYCEUM_SETUP_TESTS=0 source scripts/setup.sh
cargo build --release --bin lyceum
exec target/release/lyceum demo "$@"
