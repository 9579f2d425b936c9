#!/usr/bin/env bash
# curl, for the test that runs the jobs document's curl examples as written (Debian package);
# does nothing when it is already here.
set -euo pipefail
if command -v curl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing curl (Debian package curl)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null
else
  echo "curl is not installed (Debian package curl)" >&2
  exit 1
fi
