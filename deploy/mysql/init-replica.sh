#!/bin/bash
# Runs once at first start of a replica container: replicate from mysql-primary with GTID auto-positioning.
set -euo pipefail
root_pw="$(cat /run/secrets/mysql_root_password)"
repl_pw="$(cat /run/secrets/mhaflow_repl_password)"
mysql -uroot -p"$root_pw" <<SQL
CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-primary', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='${repl_pw//\'/\'\'}',
  SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1;
START REPLICA;
SQL
