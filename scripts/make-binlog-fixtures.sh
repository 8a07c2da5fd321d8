#!/usr/bin/env bash
# Produces the binlog/relay-log fixtures under test/fixtures/binlog/mariadb-10.11/ from two THROWAWAY
# mariadbd instances (a master on 127.0.0.91:3391 and a replica on 127.0.0.92:3392, each also on a unix
# socket in a temp dir). It never touches the lab (127.0.0.11-14:3306) and removes everything it
# started when it ends, even on failure.
#
#   sudo bash scripts/make-binlog-fixtures.sh [OUTDIR]
#
# What the fixtures hold (and manifest.json records, so tests can check facts, not just "no crash"):
#   - master binlogs with binlog_checksum=CRC32, then NONE (changed at runtime), ROW and STATEMENT
#     events, DDL, XA, two GTID domains, a ~1 MB transaction, rotations (max_binlog_size=64K,
#     FLUSH BINARY LOGS) and a master restart (a Stop event).
#   - the replica's relay logs (file/position replication, MASTER_USE_GTID=no), rotated by size,
#     FLUSH RELAY LOGS and replica restarts, with relay-log <-> master coordinate pairs taken from
#     SHOW SLAVE STATUS after each phase.
# Needs root (mariadbd --user=root) and MariaDB 10.11 (mariadbd, mariadb-install-db, mariadb client).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$ROOT/test/fixtures/binlog/mariadb-10.11}"
MASTER_IP=127.0.0.91 MASTER_PORT=3391 REPLICA_IP=127.0.0.92 REPLICA_PORT=3392
MARIADBD="${MARIADBD:-/usr/sbin/mariadbd}"

if [[ $(id -u) -ne 0 ]]; then echo "make-binlog-fixtures: run as root (mariadbd --user=root)" >&2; exit 2; fi
for tool in "$MARIADBD" mariadb-install-db mariadb mariadb-admin; do
  command -v "$tool" >/dev/null || { echo "make-binlog-fixtures: $tool is missing" >&2; exit 2; }
done

TMP="$(mktemp -d /tmp/mhaflow-binlog-fixtures.XXXXXX)"
declare -A PIDS=()

cleanup() {
  local name
  for name in "${!PIDS[@]}"; do
    kill "${PIDS[$name]}" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    wait "${PIDS[$name]}" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

# start_server NAME IP PORT SERVER_ID [mariadbd options...]
start_server() {
  local name=$1 ip=$2 port=$3 id=$4; shift 4
  local dir="$TMP/$name"
  if [[ ! -d "$dir/data" ]]; then
    mkdir -p "$dir"
    mariadb-install-db --no-defaults --user=root --datadir="$dir/data" --skip-test-db \
      --auth-root-authentication-method=socket >"$dir/install.log" 2>&1
  fi
  "$MARIADBD" --no-defaults --user=root --datadir="$dir/data" --socket="$dir/sock" \
    --bind-address="$ip" --port="$port" --pid-file="$dir/pid" --log-error="$dir/error.log" \
    --server-id="$id" --skip-name-resolve --innodb-buffer-pool-size=32M --max-connections=20 \
    "$@" &
  PIDS[$name]=$!
  local i
  for i in $(seq 1 100); do
    if mariadb-admin --no-defaults --socket="$dir/sock" -uroot ping >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then cat "$dir/error.log" >&2; echo "mariadbd $name died" >&2; exit 1; fi
    sleep 0.2
  done
  echo "mariadbd $name did not start" >&2; exit 1
}

stop_server() {
  local name=$1
  mariadb-admin --no-defaults --socket="$TMP/$name/sock" -uroot shutdown
  wait "${PIDS[$name]}" 2>/dev/null || true
  unset "PIDS[$name]"
}

m() { mariadb --no-defaults --socket="$TMP/master/sock" -uroot --batch --skip-column-names "$@"; }
r() { mariadb --no-defaults --socket="$TMP/replica/sock" -uroot --batch --skip-column-names "$@"; }

MASTER_OPTS=(--log-bin="$TMP/master/master-bin" --binlog-format=ROW --binlog-checksum=CRC32
  --max-binlog-size=65536 --gtid-domain-id=0)
REPLICA_OPTS=(--skip-log-bin --relay-log="$TMP/replica/relay-bin" --relay-log-purge=0
  --max-relay-log-size=65536 --binlog-checksum=CRC32 --skip-slave-start)

start_server master "$MASTER_IP" "$MASTER_PORT" 91 "${MASTER_OPTS[@]}"
start_server replica "$REPLICA_IP" "$REPLICA_PORT" 92 "${REPLICA_OPTS[@]}"

m -e "CREATE USER 'repl'@'127.0.0.%' IDENTIFIED BY 'repl-pw'; GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.%';"
r -e "CHANGE MASTER TO MASTER_HOST='$MASTER_IP', MASTER_PORT=$MASTER_PORT, MASTER_USER='repl',
      MASTER_PASSWORD='repl-pw', MASTER_LOG_FILE='master-bin.000001', MASTER_LOG_POS=4, MASTER_USE_GTID=no;
      START SLAVE;"

PAIRS=()
# sync_and_record PHASE: wait until the replica executed everything the master wrote, then record
# the replica's relay-log position and the master coordinate it corresponds to.
sync_and_record() {
  local phase=$1 file pos
  read -r file pos _ < <(m -e "SHOW MASTER STATUS")
  local ok
  ok=$(r -e "SELECT MASTER_POS_WAIT('$file', $pos, 60)")
  [[ "$ok" != "-1" && "$ok" != "NULL" ]] || { echo "replica did not catch up ($phase): $ok" >&2; exit 1; }
  local rf rp mf mp
  # Batch output with column names: pick the columns by name (tab-separated, one row).
  read -r rf rp mf mp < <(mariadb --no-defaults --socket="$TMP/replica/sock" -uroot --batch -e "SHOW SLAVE STATUS" |
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
      NR == 2 { print $col["Relay_Log_File"], $col["Relay_Log_Pos"], $col["Relay_Master_Log_File"], $col["Exec_Master_Log_Pos"] }')
  [[ -n "$mp" ]] || { echo "could not read SHOW SLAVE STATUS ($phase)" >&2; exit 1; }
  PAIRS+=("{\"phase\":\"$phase\",\"relayFile\":\"$rf\",\"relayPos\":$rp,\"masterFile\":\"$mf\",\"masterPos\":$mp}")
}

# Phase 1: ROW format, CRC32. DDL, autocommit inserts, multi-statement transactions, a ~1 MB one.
m <<'SQL'
CREATE DATABASE fx;
CREATE TABLE fx.t (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(2000), n INT) ENGINE=InnoDB;
CREATE TABLE fx.big (id INT PRIMARY KEY, payload VARCHAR(1100)) ENGINE=InnoDB;
CREATE TABLE fx.m (id INT AUTO_INCREMENT PRIMARY KEY, n INT) ENGINE=MyISAM;
SQL
for i in $(seq 1 40); do
  m -e "INSERT INTO fx.t (v, n) VALUES (REPEAT('r', 200 + $i * 10), $i)"
done
for i in $(seq 1 10); do
  m -e "BEGIN; INSERT INTO fx.t (v, n) VALUES ('a', $i); UPDATE fx.t SET n = n + 1 WHERE id = $i; DELETE FROM fx.t WHERE id = 1000 + $i; COMMIT;"
done
m -e "BEGIN; INSERT INTO fx.big SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM fx.seq_1_to_1000; COMMIT;"
m -e "INSERT INTO fx.m (n) VALUES (1), (2)"
sync_and_record row-crc32

# Phase 2: STATEMENT format (Intvar, Rand, User_var events), a second GTID domain, XA, rotations.
r -e "FLUSH RELAY LOGS"
m -e "FLUSH BINARY LOGS"
for i in $(seq 1 20); do
  m -e "SET SESSION binlog_format=STATEMENT; SET @x = $i; INSERT INTO fx.t (v, n) VALUES (CONCAT('s', @x), @x)"
done
m -e "SET SESSION binlog_format=STATEMENT; INSERT INTO fx.t (v, n) VALUES ('rand', FLOOR(RAND() * 100))" 2>/dev/null
m -e "SET SESSION binlog_format=STATEMENT; BEGIN; UPDATE fx.t SET n = n * 2 WHERE id < 20; INSERT INTO fx.t (v, n) VALUES ('stmt', 1); COMMIT;"
m -e "SET SESSION gtid_domain_id=1; INSERT INTO fx.t (v, n) VALUES ('domain1', 1); INSERT INTO fx.t (v, n) VALUES ('domain1', 2);"
m -e "XA START 'fx1'; INSERT INTO fx.t (v, n) VALUES ('xa', 1); XA END 'fx1'; XA PREPARE 'fx1'; XA COMMIT 'fx1';"
m -e "ALTER TABLE fx.t ADD COLUMN c INT DEFAULT 0"
sync_and_record statement-crc32

# Phase 3: the master restarts (Stop event), the replica reconnects and restarts (new relay logs).
stop_server master
start_server master "$MASTER_IP" "$MASTER_PORT" 91 "${MASTER_OPTS[@]}"
r -e "STOP SLAVE; START SLAVE;"
for i in $(seq 1 15); do
  m -e "INSERT INTO fx.t (v, n) VALUES (REPEAT('p', 300), $i)"
done
sync_and_record after-restart

# Phase 4: binlog_checksum=NONE (the server rotates its binlog), ROW and STATEMENT, DDL.
m -e "SET GLOBAL binlog_checksum=NONE"
for i in $(seq 1 30); do
  m -e "INSERT INTO fx.t (v, n) VALUES (REPEAT('n', 150), $i)"
done
m -e "SET SESSION binlog_format=STATEMENT; BEGIN; INSERT INTO fx.t (v, n) VALUES ('none-stmt', 1); UPDATE fx.t SET c = 1 WHERE id < 10; COMMIT;"
m -e "CREATE TABLE fx.u (id INT PRIMARY KEY) ENGINE=InnoDB; DROP TABLE fx.u;"
m -e "BEGIN; INSERT INTO fx.t (v, n) VALUES ('rolled-back', 1); ROLLBACK;"
sync_and_record row-none

# Facts for the tests: how many event groups (GTIDs) the master wrote, per domain.
GTID_BINLOG_POS=$(m -e "SELECT @@gtid_binlog_pos")
read -r LAST_FILE LAST_POS _ < <(m -e "SHOW MASTER STATUS")

rm -rf "$OUT"
mkdir -p "$OUT"
cp "$TMP"/master/master-bin.[0-9]* "$OUT"/
cp "$TMP"/replica/relay-bin.[0-9]* "$OUT"/
# The index files name absolute paths in the temp dir: keep the basenames only.
xargs -n1 basename <"$TMP/master/master-bin.index" >"$OUT/master-bin.index"
xargs -n1 basename <"$TMP/replica/relay-bin.index" >"$OUT/relay-bin.index"

{
  printf '{\n  "generatedBy": "scripts/make-binlog-fixtures.sh",\n'
  printf '  "server": "%s",\n' "$(m -e 'SELECT VERSION()')"
  printf '  "masterServerId": 91,\n  "replicaServerId": 92,\n'
  printf '  "gtidBinlogPos": "%s",\n' "$GTID_BINLOG_POS"
  printf '  "masterStatus": {"file": "%s", "pos": %s},\n' "$LAST_FILE" "$LAST_POS"
  printf '  "relayPairs": [\n    %s\n  ]\n}\n' "$(IFS=,; echo "${PAIRS[*]}" | sed 's/},{/},\n    {/g')"
} >"$OUT/manifest.json"

echo "fixtures written to $OUT:"
ls -l "$OUT"
du -sh "$OUT"
