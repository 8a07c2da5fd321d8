#!/usr/bin/env bash
# Install what a fresh machine lacks: Debian packages (as root), node modules. Idempotent and quiet when
# everything is there. The Temporal CLI is built on first `mhaflow temporal up` (see lab/temporal-server.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(mariadb-server mariadb-client openssh-server iproute2 procps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "!! missing Debian packages: ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2
  fi
fi

# node_modules: npm ci when absent or older than the lock file; never through a link to another checkout's
# node_modules (a git worktree sharing it): npm ci would empty the other checkout's while it may be in use.
if [[ -L node_modules ]]; then
  : # installed by the checkout it links to
elif [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# The failover command's prebuilt bundle (npm ci builds it too; bin/mhaflow.js falls back to tsx when stale).
if ! node -e "process.exit(require('./bin/fresh-bundle').freshBundle('.', 'failover-cli') ? 0 : 1)"; then
  node scripts/build-cli.mjs
fi
