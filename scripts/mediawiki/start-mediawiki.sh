#!/usr/bin/env bash
# start-mediawiki.sh - start a throw-away MediaWiki (Debian's 1:1.39.x package,
# SQLite, PHP's built-in web server) on 127.0.0.1 for integration tests.
#
# Copied from the environment's shared scripts (/work/shared/mediawiki/start-mediawiki.sh)
# and extended for Lyceum's wiki tasks (issue 14): uploads, a JSON "Item" namespace
# standing for Wikidata items, a Draft namespace, the `learning-platform` change tag.
#
# Usage:  start-mediawiki.sh [DIR] [PORT]
#         start-mediawiki.sh --packages-only   (install the Debian packages, start nothing)
#   DIR   state directory (LocalSettings.php, SQLite files, logs, pid file).
#         Default: $MW_DIR, else ${TMPDIR:-/tmp}/mediawiki-test-$PORT
#   PORT  TCP port on 127.0.0.1. Default: $MW_PORT, else 18080
#
# On success the last line on stdout is the server URL (http://127.0.0.1:PORT);
# progress goes to stderr. Everything a test needs is written to DIR/mediawiki.env.
# Stop it with stop-mediawiki.sh DIR.
#
# Other environment variables (all optional):
#   MW_FRESH=1            stop the instance in DIR (if it is ours) and reinstall from scratch
#   MW_WORKERS=4          PHP built-in server worker processes (1 = single process)
#   MW_START_TIMEOUT=90   seconds to wait for the API to answer
#   MW_SKIP_APT=1         never call apt-get (fail if packages are missing)
#   MW_ADMIN_USER/MW_ADMIN_PASS, MW_LEARNER1_USER/MW_LEARNER1_PASS,
#   MW_LEARNER2_USER/MW_LEARNER2_PASS   accounts to create (defaults below)
#   MW_BOTPASS_APPID=ci   app id of the bot passwords created for the three accounts
#   MW_CHANGE_TAGS=learning-platform   comma-separated change tags to define
#
# Idempotent: if DIR already holds a running instance on PORT it is reused as is;
# if DIR holds a stopped instance installed for the same PORT it is restarted on its data.
set -euo pipefail

log() { printf '[start-mediawiki] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

T0=$(date +%s.%N)
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

PACKAGES_ONLY=0
if [[ ${1:-} == --packages-only ]]; then PACKAGES_ONLY=1; shift; fi

PORT=${2:-${MW_PORT:-18080}}
[[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) || die "invalid port '$PORT'"
DIR=${1:-${MW_DIR:-${TMPDIR:-/tmp}/mediawiki-test-$PORT}}
DIR=$(realpath -m -- "$DIR")
HOST=127.0.0.1
SERVER="http://$HOST:$PORT"
MW_IP=/usr/share/mediawiki          # Debian's installation path
WORKERS=${MW_WORKERS:-4}
START_TIMEOUT=${MW_START_TIMEOUT:-90}

ADMIN_USER=${MW_ADMIN_USER:-Admin}
ADMIN_PASS=${MW_ADMIN_PASS:-AdminPass-12345678}
LEARNER1_USER=${MW_LEARNER1_USER:-Learner1}
LEARNER1_PASS=${MW_LEARNER1_PASS:-LearnerPass-111111}
LEARNER2_USER=${MW_LEARNER2_USER:-Learner2}
LEARNER2_PASS=${MW_LEARNER2_PASS:-LearnerPass-222222}
BOT_APPID=${MW_BOTPASS_APPID:-ci}
# Bot passwords must be 32+ characters from [0-9a-w] (MediaWiki's BotPassword format).
ADMIN_BOTPASS=0000000000000000adm1nb0tpa55w0rd
LEARNER1_BOTPASS=1111111111111111learner1b0tpa55w
LEARNER2_BOTPASS=2222222222222222learner2b0tpa55w

MARKER="$DIR/.mediawiki-test-instance"
# Bumped whenever the settings below change: an instance installed with other settings is
# reinstalled rather than reused (it is ours and throw-away).
LAYOUT=lyceum-2
CHANGE_TAGS=${MW_CHANGE_TAGS-learning-platform}
PIDFILE="$DIR/mediawiki.pid"
ENVFILE="$DIR/mediawiki.env"
LS="$DIR/LocalSettings.php"

# ---------------------------------------------------------------- packages
PKGS=(mediawiki php-cli php-sqlite3 php-intl php-mbstring php-xml curl)
missing_pkgs() {
  local p
  for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s ' "$p"
  done
}
MISSING=$(missing_pkgs)
if [[ -n "$MISSING" ]]; then
  [[ "${MW_SKIP_APT:-0}" == 1 ]] && die "missing Debian packages: $MISSING (MW_SKIP_APT=1)"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "missing packages ($MISSING) and not root"
    SUDO=(sudo -n)
  fi
  log "installing Debian packages: $MISSING"
  # 'mediawiki' depends on 'apache2 | httpd'. Make sure no web server daemon gets started
  # by the package scripts: if this machine has no policy-rc.d, use a temporary one.
  POLICY=/usr/sbin/policy-rc.d
  TMP_POLICY=0
  if [[ ! -e $POLICY ]]; then
    trap '[[ $TMP_POLICY == 1 ]] && "${SUDO[@]}" rm -f "$POLICY"' EXIT
    TMP_POLICY=1
    printf '#!/bin/sh\n# temporary, written by start-mediawiki.sh\nexit 101\n' | "${SUDO[@]}" tee $POLICY >/dev/null
    "${SUDO[@]}" chmod 755 $POLICY
  fi
  APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  rc=0
  "${APT[@]}" update >&2 || rc=$?
  # shellcheck disable=SC2086
  [[ $rc -ne 0 ]] || "${APT[@]}" install -y --no-install-recommends $MISSING >&2 || rc=$?
  if [[ $TMP_POLICY == 1 ]]; then "${SUDO[@]}" rm -f $POLICY; TMP_POLICY=0; fi
  [[ $rc -eq 0 ]] || die "apt-get install failed"
  MISSING=$(missing_pkgs)
  [[ -z "$MISSING" ]] || die "packages still missing after install: $MISSING"
  log "packages installed ($(elapsed)s)"
fi
[[ -f $MW_IP/api.php && -f $MW_IP/maintenance/install.php ]] || die "$MW_IP does not look like a MediaWiki installation"
[[ $PACKAGES_ONLY == 1 ]] && exit 0

# ---------------------------------------------------------------- helpers
port_in_use() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }
our_pid() {  # prints the PID from the pid file if it is our php -S for this DIR and PORT
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid=$(tr -dc '0-9' < "$PIDFILE")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "-S $HOST:$PORT -t $DIR/docroot " || return 1
  echo "$pid"
}
api_ok() {
  curl -s -f -m 10 "$SERVER/w/api.php?action=query&meta=siteinfo&format=json&formatversion=2" 2>/dev/null \
    | grep -q '"generator":"MediaWiki'
}
maint() {  # run a maintenance script against this instance
  local script=$1; shift
  MW_CONFIG_FILE="$LS" php "$MW_IP/maintenance/$script" "$@"
}

write_env() {
  cat > "$ENVFILE" <<EOF
# written by start-mediawiki.sh - source it (sh) or read it as KEY=VALUE lines
MW_SERVER=$SERVER
MW_SCRIPT_PATH=/w
MW_API_URL=$SERVER/w/api.php
MW_REST_URL=$SERVER/w/rest.php
MW_INDEX_URL=$SERVER/w/index.php
MW_ARTICLE_URL_PREFIX=$SERVER/wiki/
MW_PORT=$PORT
MW_DIR=$DIR
MW_PID_FILE=$PIDFILE
MW_LOCAL_SETTINGS=$LS
MW_ADMIN_USER=$ADMIN_USER
MW_ADMIN_PASS=$ADMIN_PASS
MW_ADMIN_BOT_USER=$ADMIN_USER@$BOT_APPID
MW_ADMIN_BOT_PASS=$ADMIN_BOTPASS
MW_LEARNER1_USER=$LEARNER1_USER
MW_LEARNER1_PASS=$LEARNER1_PASS
MW_LEARNER1_BOT_USER=$LEARNER1_USER@$BOT_APPID
MW_LEARNER1_BOT_PASS=$LEARNER1_BOTPASS
MW_LEARNER2_USER=$LEARNER2_USER
MW_LEARNER2_PASS=$LEARNER2_PASS
MW_LEARNER2_BOT_USER=$LEARNER2_USER@$BOT_APPID
MW_LEARNER2_BOT_PASS=$LEARNER2_BOTPASS
EOF
}

# ---------------------------------------------------------------- lock
# Serialise concurrent calls for the same DIR (e.g. several test processes starting
# "their" wiki at once): the first one installs and starts it, the others reuse it.
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock -w $(( START_TIMEOUT + 600 )) 9 || die "could not lock $DIR.lock"

STOP="$(dirname "$(realpath "$0")")/stop-mediawiki.sh"
stop_dir_instance() {  # stop whatever instance of DIR is running (any port)
  if [[ -f $PIDFILE ]]; then "$STOP" "$DIR" >&2 || true; fi
}

# ---------------------------------------------------------------- fresh?
if [[ "${MW_FRESH:-0}" == 1 && -e $DIR ]]; then
  [[ -f $MARKER || -z "$(ls -A "$DIR" 2>/dev/null)" ]] || die "MW_FRESH=1 but $DIR was not made by this script; not deleting it"
  stop_dir_instance
  rm -rf "$DIR"
fi

# ---------------------------------------------------------------- already running?
if pid=$(our_pid); then
  deadline=$(( $(date +%s) + START_TIMEOUT ))
  until api_ok; do
    (( $(date +%s) <= deadline )) || die "the instance in $DIR (pid $pid) runs but its API does not answer; see $DIR/logs, stop it with stop-mediawiki.sh"
    sleep 0.5
  done
  log "already running (pid $pid) at $SERVER, dir $DIR"
  [[ -f $ENVFILE ]] || write_env
  echo "$SERVER"
  exit 0
fi
stop_dir_instance     # a server of DIR on another port, or a stale pid file
if port_in_use; then
  die "port $PORT on $HOST is already in use by another process"
fi
rm -f "$PIDFILE"

# ---------------------------------------------------------------- install
if [[ -f $MARKER && -f $LS && "$(cat "$MARKER")" == "port=$PORT layout=$LAYOUT" ]]; then
  log "reusing the wiki installed in $DIR"
  NEW_INSTALL=0
else
  if [[ -e $DIR && -n "$(ls -A "$DIR" 2>/dev/null)" ]]; then
    [[ -f $MARKER ]] || die "$DIR exists, is not empty and was not made by this script"
    log "$DIR holds an instance for another port (or an unfinished one); reinstalling"
    rm -rf "$DIR"
  fi
  mkdir -p "$DIR/data" "$DIR/docroot" "$DIR/logs" "$DIR/cache" "$DIR/images" "$DIR/tmp"
  echo "incomplete" > "$MARKER"      # ours from now on; "port=N" once install and accounts are done
  ln -sfn "$MW_IP" "$DIR/docroot/w"
  ln -sfn "$DIR/images" "$DIR/docroot/images"    # uploaded files, served as static files
  log "installing MediaWiki into $DIR"
  # MW_CONFIG_FILE points at the (not yet existing) file so that a system-wide
  # /etc/mediawiki/LocalSettings.php can never make the installer refuse.
  MW_CONFIG_FILE="$LS" php "$MW_IP/maintenance/install.php" --quiet \
    --dbtype=sqlite --dbpath="$DIR/data" --dbname=wiki \
    --server="$SERVER" --scriptpath=/w --confpath="$DIR" --lang=en \
    --pass="$ADMIN_PASS" --skins=Vector --extensions=Cite \
    "MediaWiki Test" "$ADMIN_USER" > "$DIR/logs/install.log" 2>&1 \
    || { cat "$DIR/logs/install.log" >&2; die "install.php failed"; }
  cat >> "$LS" <<EOF

# ---- added by start-mediawiki.sh: settings for a loopback-only test instance ----
\$wgArticlePath = "/wiki/\$1";        # same URL layout as Wikimedia wikis (/wiki/, /w/api.php, /w/rest.php)
\$wgCookiePrefix = "mwtest$PORT";     # cookies do not separate ports; keep instances apart
\$wgCacheDirectory = "$DIR/cache";
\$wgEnableEmail = false;
\$wgUseImageMagick = false;
\$wgTmpDirectory = "$DIR/tmp";
\$wgShowExceptionDetails = true;
\$wgDebugLogGroups['exception'] = "$DIR/logs/exception.log";
\$wgDebugLogGroups['error'] = "$DIR/logs/exception.log";
\$wgRateLimits = [];                  # tests edit fast
\$wgPasswordAttemptThrottle = false;  # tests may try wrong passwords
\$wgAccountCreationThrottle = 0;
\$wgGroupPermissions['*']['edit'] = false;        # a failed login must not turn into an IP edit
\$wgGroupPermissions['*']['createpage'] = false;
EOF
  # Added for Lyceum (issue 14): what the wiki task tests need.
  cat >> "$LS" <<EOF
# Uploads (Commons-like upload tasks): files go to DIR/images, served at /images.
\$wgEnableUploads = true;
\$wgUploadDirectory = "$DIR/images";
\$wgUploadPath = "/images";
\$wgFileExtensions = [ 'png', 'gif', 'jpg', 'jpeg', 'svg' ];
# A JSON content namespace standing for Wikidata items (Wikibase is not in Debian): an
# item page holds Wikibase-like JSON, {"claims":{"P31":[{"mainsnak":{...},"references":[...]}]}}.
\$wgExtraNamespaces[120] = 'Item';
\$wgExtraNamespaces[121] = 'Item_talk';
\$wgNamespaceContentModels[120] = CONTENT_MODEL_JSON;
# Draft: as on the English Wikipedia, for title patterns like Draft:*.
\$wgExtraNamespaces[118] = 'Draft';
\$wgExtraNamespaces[119] = 'Draft_talk';
# Admin hides revisions' text (revision deletion) in tests of "deleted or hidden".
\$wgGroupPermissions['sysop']['deleterevision'] = true;
# Renames (tests follow an account's current name by its id): Extension:Renameuser's
# maintenance script, shipped by Debian's package.
wfLoadExtension( 'Renameuser' );
EOF
  NEW_INSTALL=1
fi

# ---------------------------------------------------------------- accounts
if [[ $NEW_INSTALL == 1 ]]; then
  log "creating accounts ($(elapsed)s)"
  # install.php already created $ADMIN_USER (sysop, bureaucrat, interface-admin).
  maint createAndPromote.php "$LEARNER1_USER" "$LEARNER1_PASS" >/dev/null
  maint createAndPromote.php "$LEARNER2_USER" "$LEARNER2_PASS" >/dev/null
  maint createBotPassword.php --appid "$BOT_APPID" \
    --grants basic,highvolume,editpage,createeditmovepage,uploadfile,uploadeditmovefile,delete,protect,blockusers,createaccount,patrol,rollback \
    "$ADMIN_USER" "$ADMIN_BOTPASS" >/dev/null
  maint createBotPassword.php --appid "$BOT_APPID" --grants basic,highvolume,editpage,createeditmovepage,uploadfile,uploadeditmovefile \
    "$LEARNER1_USER" "$LEARNER1_BOTPASS" >/dev/null
  maint createBotPassword.php --appid "$BOT_APPID" --grants basic,highvolume,editpage,createeditmovepage,uploadfile,uploadeditmovefile \
    "$LEARNER2_USER" "$LEARNER2_BOTPASS" >/dev/null
  if [[ -n "$CHANGE_TAGS" ]]; then
    IFS=, read -r -a TAGS <<< "$CHANGE_TAGS"
    for t in "${TAGS[@]}"; do
      [[ -n $t ]] && maint addChangeTag.php --tag "$t" --reason "test tag" >/dev/null
    done
  fi
  echo "port=$PORT layout=$LAYOUT" > "$MARKER"
fi

# ---------------------------------------------------------------- router
# Serves /wiki/Title like Wikimedia wikis and redirects / to the main page; every
# other request (e.g. /w/api.php, /w/rest.php/...) is left to the built-in server.
cat > "$DIR/router.php" <<'EOF'
<?php
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( $path === '/' || $path === '' ) {
	header( 'Location: /wiki/', true, 302 );
	return true;
}
if ( $path === '/wiki' || strncmp( $path, '/wiki/', 6 ) === 0 ) {
	$_SERVER['SCRIPT_NAME'] = $_SERVER['PHP_SELF'] = '/w/index.php';
	$_SERVER['SCRIPT_FILENAME'] = '/usr/share/mediawiki/index.php';
	chdir( '/usr/share/mediawiki' );
	require '/usr/share/mediawiki/index.php';
	return true;
}
return false;
EOF

# ---------------------------------------------------------------- start
log "starting php -S $HOST:$PORT ($WORKERS workers) ($(elapsed)s)"
SRV_WORKERS=()
(( WORKERS > 1 )) && SRV_WORKERS=(PHP_CLI_SERVER_WORKERS="$WORKERS")
# setsid -f: the server leads its own session and process group (its workers join it),
# is detached from the caller's terminal and survives the calling shell. The inner
# shell writes its own PID and then execs php, so the pid file holds php's PID.
( cd "$DIR" && setsid -f bash -c 'echo $$ > "$0"; exec "$@"' "$PIDFILE" \
    env MW_CONFIG_FILE="$LS" "${SRV_WORKERS[@]}" \
    php -d display_errors=0 -d log_errors=1 -d error_log="$DIR/logs/php-errors.log" \
        -d opcache.enable_cli=1 \
        -S "$HOST:$PORT" -t "$DIR/docroot" "$DIR/router.php" \
    > "$DIR/logs/server.log" 2>&1 < /dev/null 9>&- )

deadline=$(( $(date +%s) + START_TIMEOUT ))
until api_ok; do
  if (( $(date +%s) > deadline )); then
    tail -20 "$DIR/logs/server.log" >&2 || true
    die "API did not answer within ${START_TIMEOUT}s"
  fi
  if [[ -s $PIDFILE ]] && ! our_pid >/dev/null; then
    tail -20 "$DIR/logs/server.log" >&2 || true
    die "php -S exited"
  fi
  sleep 0.2
done
pid=$(our_pid) || die "server answers but the pid file does not match it"
if [[ $NEW_INSTALL == 1 || ! -f $ENVFILE ]]; then write_env; fi
log "ready: pid $pid, $SERVER/w/api.php, state in $DIR, env in $ENVFILE ($(elapsed)s)"
echo "$SERVER"
