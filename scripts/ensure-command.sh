#!/usr/bin/env bash
# `scripts/ensure-command.sh COMMAND [PACKAGE]`: install Debian's PACKAGE (default: COMMAND) when
# COMMAND is missing and this is root with apt; otherwise say what to install and fail.
# The tests need curl (the jobs document's curl examples), jq (the README's worked example), wrk
# (the benchmarks' load) and bwrap (bubblewrap: the sandbox every job runs in).
set -euo pipefail
command=${1:?a command}
package=${2:-$command}
command -v "$command" >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing $command (Debian package $package)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
else
  echo "$command is not installed (Debian package $package)" >&2
  exit 1
fi
