#!/usr/bin/env bash
# Random passwords and SSH keys for docker-compose.yml, under deploy/secrets/ (git-ignored), mode 0600.
set -euo pipefail
cd "$(dirname "$0")/secrets"
umask 077
for f in mysql-root mhaflow-mysql mhaflow-repl postgres; do [[ -s $f.pw ]] || head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$f.pw"; done
[[ -s id_ed25519 ]] || ssh-keygen -q -t ed25519 -N '' -C mhaflow-worker -f id_ed25519
[[ -s ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C mhaflow-compose-host -f ssh_host_ed25519_key
# The sidecars share one host key, pinned for the three MySQL hostnames.
hk="$(cut -d' ' -f1,2 ssh_host_ed25519_key.pub)"
printf 'mysql-primary %s\nmysql-replica1 %s\nmysql-replica2 %s\n' "$hk" "$hk" "$hk" > known_hosts
echo "secrets written to $(pwd)"
