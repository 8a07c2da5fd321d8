#!/bin/bash
# Runs once at first start of each MySQL container: the manager's admin user and the replication user.
set -euo pipefail
root_pw="$(cat /run/secrets/mysql_root_password)"
admin_pw="$(cat /run/secrets/mhaflow_mysql_password)"
repl_pw="$(cat /run/secrets/mhaflow_repl_password)"
mysql -uroot -p"$root_pw" <<SQL
SET sql_log_bin=0;
CREATE USER IF NOT EXISTS 'mhaflow'@'%' IDENTIFIED BY '${admin_pw//\'/\'\'}';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE,
  CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER, SHOW DATABASES, PROCESS, RELOAD, REPLICATION CLIENT,
  REPLICATION_SLAVE_ADMIN, SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN, BINLOG_ADMIN, REPLICATION_APPLIER, SESSION_VARIABLES_ADMIN ON *.* TO 'mhaflow'@'%';
CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY '${repl_pw//\'/\'\'}';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
SQL
