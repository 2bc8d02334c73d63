#!/usr/bin/env bash
# Run a command with the network cut off, loopback excepted: in a new network namespace when the
# kernel allows an unprivileged one (`unshare -rn`), else as is, relying on the socket guard that
# the Makefile installs (tests/offline/sitecustomize.py).
set -euo pipefail
if command -v unshare >/dev/null && command -v ip >/dev/null && unshare -rn true 2>/dev/null; then
  exec unshare -rn bash -c 'ip link set lo up && exec "$@"' offline "$@"
fi
echo "offline.sh: cannot create a network namespace here; the socket guard alone keeps tests offline" >&2
exec "$@"
