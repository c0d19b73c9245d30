# Sourced by scripts/test.sh and scripts/demo.sh: install what a fresh Debian 12
# machine lacks to build and test Lyceum. Idempotent and quick when all is present.
need=()
command -v cargo >/dev/null || { echo "Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || need+=(nodejs npm)
if [ "${LYCEUM_SETUP_TESTS:-1}" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "installing from Debian: ${need[*]}" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
# The tests' MediaWiki (scripts/mediawiki: Debian's mediawiki, php-cli, php-sqlite3,
# php-intl, php-mbstring, php-xml, curl). Its start script installs them, keeping the
# apache2 that `mediawiki` pulls in from starting; lyceum_wiki::testing starts the wiki.
if [ "${LYCEUM_SETUP_TESTS:-1}" = 1 ] && [ "${LYCEUM_TEST_NO_MEDIAWIKI:-0}" != 1 ]; then
  scripts/mediawiki/start-mediawiki.sh --packages-only
fi
# The Codex CSS and icons come from npm (build.rs reads them; nothing from Node runs later);
# axe-core (a devDependency) is injected into pages by the browser tests.
{ [ -d node_modules/@wikimedia/codex ] && [ -f node_modules/axe-core/axe.min.js ]; } || npm ci --ignore-scripts --no-audit --no-fund >&2
# The S3 media tests' server: s3s-fs, a small S3-protocol server over a directory
# (0.14.1 is the last that builds with our Rust), built once into the target directory
# and found by lyceum_store::testing through LYCEUM_TEST_S3FS.
if [ "${LYCEUM_SETUP_TESTS:-1}" = 1 ]; then
  s3fs_root="${CARGO_TARGET_DIR:-target}/tools"
  if [ ! -x "$s3fs_root/bin/s3s-fs" ]; then
    echo "building s3s-fs (once) into $s3fs_root" >&2
    cargo install --locked --quiet --root "$s3fs_root" s3s-fs --version 0.14.1 --features binary >&2
  fi
  LYCEUM_TEST_S3FS="$(cd "$s3fs_root/bin" && pwd)/s3s-fs"
  export LYCEUM_TEST_S3FS
fi
