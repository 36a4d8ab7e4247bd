#!/bin/sh
# pretest: makes sure the programs the tests start are installed. Quiet when they all are; otherwise, as
# root, installs the missing Debian packages non-interactively; as anyone else, fails with one line
# naming what to install. Add a service as one more "command package" line below
# (PRETEST_SERVICES replaces the list, for the script's own test).
set -eu

SERVICES=${PRETEST_SERVICES:-'
redis-server redis-server
kubectl kubernetes-client
chromium chromium
rabbitmq-server rabbitmq-server
nats-server nats-server
prometheus prometheus
'}

# Services whose tests skip without them: one that cannot be installed is named in one line, not fatal.
# (Empty when PRETEST_SERVICES is given, unless PRETEST_OPTIONAL says otherwise.)
if [ -n "${PRETEST_SERVICES+set}" ]; then OPTIONAL=${PRETEST_OPTIONAL:-}; else OPTIONAL=${PRETEST_OPTIONAL:-'
influxd influxdb
'}; fi

# Service binaries may live in sbin, which a non-root PATH can lack.
PATH="$PATH:/usr/sbin:/sbin"

missing_of() {
  echo "$1" | while read -r command package; do
    [ -n "$command" ] || continue
    command -v "$command" >/dev/null 2>&1 || echo "$package"
  done | tr '\n' ' ' | sed 's/ *$//'
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

optional_missing=$(missing_of "$OPTIONAL")
install_optional() {
  [ -n "$optional_missing" ] || return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 &&
    { apt_install $optional_missing || { apt-get update -q && apt_install $optional_missing; }; } >/dev/null 2>&1; then
    echo "pretest: installed $optional_missing"
  else
    echo "pretest: $optional_missing not installed: the tests that need it skip" >&2
  fi
}

missing=$(missing_of "$SERVICES")
if [ -z "$missing" ]; then
  install_optional
  exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs: $missing (as root on Debian/Ubuntu: apt-get install -y $missing)" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Install from the lists on hand; refresh them once only when that fails (a fresh image has none).
if ! apt-get install -y -q --no-install-recommends $missing >"$log" 2>&1; then
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "npm test needs: $missing, and apt-get could not install it (output above)" >&2
    exit 1
  fi
fi
echo "pretest: installed $missing"
install_optional
