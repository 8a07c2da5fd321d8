#!/usr/bin/env bash
# The benchmark's reference: MHA 0.58 (Debian mha4mysql-manager and mha4mysql-node), made to run against
# MariaDB 10.11 on Perl 5.36. Idempotent; quiet when everything is already in place.
#   - installs mha4mysql-manager mha4mysql-node (and the MariaDB client tools MHA calls) with apt-get
#     when they are missing and we are root;
#   - applies bench/patches/*.patch to the installed modules under /usr/share/perl5/MHA (see
#     ../shared/docs/mha-reference.md): skipped when already applied, refused when the file differs from
#     both the original and the patched version.
# Only the benchmark does this; mhaflow itself never needs MHA.
set -euo pipefail
cd "$(dirname "$0")/.."

MHA_DIR=${MHA_PERL_DIR:-/usr/share/perl5/MHA}
pkgs=(mha4mysql-manager mha4mysql-node mariadb-client)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "!! missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "== installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for tool in mysql mysqlbinlog masterha_master_switch apply_diff_relay_logs save_binary_logs; do
  command -v "$tool" >/dev/null || { echo "!! $tool not found on PATH after installing ${pkgs[*]}" >&2; exit 1; }
done

# patch FILE PATCH: apply unless already applied.
apply_patch() {
  local target=$1 p=$2
  [[ -f "$target" ]] || { echo "!! $target not found (is mha4mysql-node installed?)" >&2; exit 1; }
  if patch --dry-run -s -f -R "$target" <"$p" >/dev/null 2>&1; then
    return 0 # already applied
  fi
  if ! patch --dry-run -s -f -N "$target" <"$p" >/dev/null 2>&1; then
    echo "!! $p applies neither forwards nor backwards to $target: the installed MHA is not 0.58 as shipped by Debian" >&2
    exit 1
  fi
  if [[ ! -w "$target" ]]; then
    echo "!! $target needs $p and is not writable (run as root: sudo bash scripts/setup-mha.sh)" >&2
    exit 1
  fi
  [[ -f "$target.orig-mhaflow" ]] || cp -p "$target" "$target.orig-mhaflow"
  patch -s -f -N --no-backup-if-mismatch "$target" <"$p"
  echo "== patched $target with $(basename "$p")"
}
apply_patch "$MHA_DIR/NodeUtil.pm" bench/patches/mha-NodeUtil-perl536.patch
apply_patch "$MHA_DIR/SlaveUtil.pm" bench/patches/mha-SlaveUtil-mariadb.patch

# The patched modules must compile and the version parser must accept a MariaDB version string.
perl -MMHA::NodeUtil -e 'MHA::NodeUtil::parse_mysql_version("10.11.19-MariaDB-0+deb12u1-log") eq "010011019" or die "parse_mysql_version is still unpatched\n"'
perl -MMHA::SlaveUtil -e 1
