#!/usr/bin/env bash
# Quantum ESPRESSO's pw.x and its pseudopotentials (Debian packages) for runs and parser tests;
# does nothing when both are already here.
set -euo pipefail
pseudo_dir=/usr/share/espresso/pseudo
if command -v pw.x >/dev/null 2>&1 && compgen -G "$pseudo_dir/*.[Uu][Pp][Ff]" >/dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Quantum ESPRESSO (Debian packages quantum-espresso, quantum-espresso-data)"
  apt-get update -qq
  # quantum-espresso-data (the UPF files) is only a Recommends, so it is named explicitly.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    quantum-espresso quantum-espresso-data >/dev/null
else
  echo "Quantum ESPRESSO is not installed (Debian packages quantum-espresso quantum-espresso-data)" >&2
  exit 1
fi
