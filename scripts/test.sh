#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, unit and HTTP tests on SQLite
# and PostgreSQL, the CLI, and end-to-end tests in real Chromium. Installs what a fresh
# Debian 12 machine lacks (PostgreSQL, Chromium + ChromeDriver, MediaWiki and PHP for the
# wiki task tests, Node.js for the Codex assets) when run as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --all-features -- -D warnings

echo "== PostgreSQL for the tests"
LYCEUM_TEST_POSTGRES_URL=$(scripts/test-postgres.sh)
export LYCEUM_TEST_POSTGRES_URL
# The tests start the MediaWiki of scripts/mediawiki themselves (lyceum_wiki::testing);
# stop it when done.
MW_TEST_DIR="${CARGO_TARGET_DIR:-target}/mediawiki-test-${LYCEUM_TEST_MW_PORT:-18091}"
trap 'scripts/test-postgres.sh --stop; scripts/mediawiki/stop-mediawiki.sh "$MW_TEST_DIR" || true' EXIT

echo "== tests (SQLite, PostgreSQL for the repository contract)"
cargo test --workspace --all-features --no-fail-fast -- --test-threads="${LYCEUM_TEST_THREADS:-4}"

echo "== HTTP tests on PostgreSQL"
LYCEUM_TEST_BACKEND=postgres cargo test -p lyceum-web --test web -- --test-threads="${LYCEUM_TEST_THREADS:-4}"

echo "== media-touching HTTP tests on PostgreSQL with media on S3 (the multi-node setup)"
# Course media with Range and signed URLs, /readyz, OLX import/export and re-imports that
# release files, open-response attachments, Studio files, org logos. (The media sweep on
# S3 is tested in lyceum-store's tests/media.rs, which always starts its own s3s-fs.)
LYCEUM_TEST_BACKEND=postgres LYCEUM_TEST_MEDIA=s3 cargo test -p lyceum-web --test web -- --test-threads="${LYCEUM_TEST_THREADS:-4}" \
  media:: olx imported:: hostile:: open_responses_api:: open_responses_pages::files_ open_responses_staff::responses_zip \
  studio_editors::files_ permissions::unpublished_media logo api::readiness

echo "== end-to-end in Chromium"
LYCEUM_E2E=1 cargo test -p lyceum --test e2e -- --test-threads=1
echo "All tests passed."
