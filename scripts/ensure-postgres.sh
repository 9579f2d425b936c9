#!/usr/bin/env bash
# The test suite runs every test against a private PostgreSQL server too; install its binaries if absent.
set -euo pipefail
if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing PostgreSQL (Debian package postgresql) for the test suite"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
else
  echo "PostgreSQL is not installed; the PostgreSQL half of the tests will be skipped (CI fails instead)" >&2
fi
