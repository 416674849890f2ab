#!/usr/bin/env bash
# Installs the Debian packages reportgen needs to build and run, when they are missing;
# with --tests, also what only the test suite needs (chromium, for the HTML page tests).
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -euo pipefail

packages=(pkg-config libpng-dev libssl-dev libsqlite3-dev libcairo2-dev libpango1.0-dev libcmark-gfm-dev libcmark-gfm-extensions-dev fonts-dejavu-core poppler-utils nginx libnginx-mod-http-echo wrk sqlite3 gcc xz-utils)
if [ "${1:-}" = "--tests" ]; then
  # util-linux brings unshare, which cuts the browser off the network, and taskset;
  # the several-hosts tests run sshd in network namespaces (iproute2) and ping between them.
  packages+=(chromium util-linux openssh-server openssh-client rsync iproute2 iputils-ping)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# The any-server experiment's Node variant: any node on PATH will do.
command -v node >/dev/null 2>&1 || missing+=(nodejs)

# The apps' interpreter is whatever python3 is on PATH; it needs venv and, to build
# meinheld from source, its headers.
if ! command -v python3 >/dev/null 2>&1; then
  missing+=(python3 python3-venv python3-dev)
else
  python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
  python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || missing+=(python3-dev)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "reportgen needs these Debian packages: ${missing[*]}" >&2
  echo "install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
