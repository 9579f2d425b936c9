#!/usr/bin/env bash
# The benchmark drives the server with wrk, a real HTTP load generator.
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
else
  echo "wrk is not installed (Debian package wrk)" >&2
  exit 1
fi
