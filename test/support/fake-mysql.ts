// A replica as a mysql2 connection sees it, for the replication steps' unit tests: it speaks one dialect (MySQL 8.4
// refuses every statement 8.4 removed with a parse error, as the server does), keeps a replica status the
// statements change, and logs what it was sent. Just enough of a server to show which statements the product
// sends a given flavor and version.
import type { Connection } from '../../src/mysql/client';

/** Statements and options MySQL 8.4 removed (its release notes): the server answers them with ER_PARSE_ERROR. */
export const REMOVED_IN_84 = /\b(START|STOP|RESET) SLAVE\b|\bSHOW SLAVE\b|\bCHANGE MASTER\b|\bSHOW MASTER STATUS\b|\bRESET MASTER\b|\bMASTER_POS_WAIT\b|\bMASTER_[A-Z_]+\s*=/;

export interface FakeReplicaState {
  host: string;
  port: number;
  io: 'Yes' | 'No';
  sql: boolean;
  read: number;
  exec: number;
  delay: number;
  autoPosition: boolean;
  readOnly: boolean;
  superReadOnly: boolean;
  /** null: not a replica (after RESET REPLICA ALL). */
  replica: boolean;
}

export class FakeReplica {
  readonly sent: string[] = [];
  readonly state: FakeReplicaState;

  constructor(readonly version: string, state: Partial<FakeReplicaState> = {}) {
    this.state = {
      host: '10.0.0.1', port: 3306, io: 'Yes', sql: true, read: 1000, exec: 1000, delay: 0, autoPosition: false,
      readOnly: true, superReadOnly: this.mysql, replica: true, ...state,
    };
  }

  get mysql(): boolean { return !/mariadb/i.test(this.version); }
  get is84(): boolean { return /^8\.4\./.test(this.version); }

  private row(): Record<string, unknown> {
    const s = this.state;
    const [src, rep] = this.is84 ? ['Source', 'Replica'] : ['Master', 'Slave'];
    return {
      [`${src}_Host`]: s.host, [`${src}_Port`]: s.port, [`${src}_User`]: 'repl',
      [this.is84 ? 'Source_Log_File' : 'Master_Log_File']: 'mysql-bin.000001', [`Read_${src}_Log_Pos`]: s.read,
      Relay_Log_File: 'relay-bin.000002', Relay_Log_Pos: 400, [`Relay_${src}_Log_File`]: 'mysql-bin.000001', [`Exec_${src}_Log_Pos`]: s.exec,
      [`${rep}_IO_Running`]: s.io, [`${rep}_SQL_Running`]: s.sql ? 'Yes' : 'No',
      [`${rep}_SQL_Running_State`]: s.sql ? `${rep} has read all relay log; waiting for more updates` : '',
      Last_IO_Errno: 0, Last_IO_Error: '', Last_SQL_Errno: 0, Last_SQL_Error: '', SQL_Delay: s.delay,
      [`${src}_Server_Id`]: 1, ...(this.mysql ? { Auto_Position: s.autoPosition ? 1 : 0, Retrieved_Gtid_Set: '', Executed_Gtid_Set: '' } : { Using_Gtid: s.autoPosition ? 'Slave_Pos' : 'No' }),
      Replicate_Do_DB: '', Replicate_Ignore_DB: '', Replicate_Do_Table: '', Replicate_Ignore_Table: '', Replicate_Wild_Do_Table: '', Replicate_Wild_Ignore_Table: '',
    };
  }

  private answer(sql: string): Record<string, unknown>[] {
    if (this.is84 && REMOVED_IN_84.test(sql)) {
      throw Object.assign(new Error(`You have an error in your SQL syntax near '${sql.slice(0, 40)}'`), { code: 'ER_PARSE_ERROR', errno: 1064 });
    }
    const s = this.state;
    const w = '(?:SLAVE|REPLICA)';
    if (sql === 'SELECT @@version AS v') return [{ v: this.version }];
    if (new RegExp(`^SHOW ${w} STATUS$`).test(sql)) return s.replica ? [this.row()] : [];
    if (/^SHOW (BINARY LOG|MASTER) STATUS$/.test(sql)) return [{ File: 'own-bin.000003', Position: 777 }];
    if (/^SELECT @@GLOBAL\.read_only AS readOnly/.test(sql)) return [{ readOnly: s.readOnly ? 1 : 0, ...(this.mysql ? { superReadOnly: s.superReadOnly ? 1 : 0 } : {}) }];
    if (/^SELECT @@GLOBAL\.gtid_(executed|binlog_pos) AS gtid$/.test(sql)) return [{ gtid: this.mysql ? '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9' : '0-1-9' }];
    if (/^SELECT (WAIT_FOR_EXECUTED_GTID_SET|MASTER_GTID_WAIT)\(/.test(sql)) return [{ result: 0 }];
    const thread = new RegExp(`^(START|STOP) ${w}( IO_THREAD| SQL_THREAD)?$`).exec(sql);
    if (thread) {
      const on = thread[1] === 'START';
      if (thread[2] !== ' SQL_THREAD') s.io = on ? 'Yes' : 'No';
      if (thread[2] !== ' IO_THREAD') s.sql = on;
      return [];
    }
    if (new RegExp(`^RESET ${w} ALL$`).test(sql)) { s.replica = false; return []; }
    const change = /^CHANGE (?:MASTER TO|REPLICATION SOURCE TO) (.*)$/.exec(sql);
    if (change) {
      if (s.io === 'Yes' || s.sql) throw Object.assign(new Error('This operation cannot be performed with running replication threads'), { errno: 3021 });
      for (const [, k, v] of change[1]!.matchAll(/(?:MASTER|SOURCE)_([A-Z_]+)=('(?:[^'\\]|\\.)*'|\S+?)(?:,|$)/g)) {
        const val = v!.replace(/^'|'$/g, '');
        if (k === 'HOST') s.host = val;
        else if (k === 'PORT') s.port = Number(val);
        else if (k === 'DELAY') s.delay = Number(val);
        else if (k === 'AUTO_POSITION' || k === 'USE_GTID') s.autoPosition = val !== '0' && val !== 'no';
      }
      s.replica = true;
      return [];
    }
    const ro = /^SET GLOBAL (super_read_only|read_only) = (ON|OFF)$/.exec(sql);
    if (ro) {
      const on = ro[2] === 'ON';
      if (ro[1] === 'super_read_only') {
        if (!this.mysql) throw Object.assign(new Error('Unknown system variable \'super_read_only\''), { errno: 1193 });
        s.superReadOnly = on;
        if (on) s.readOnly = true;
      } else {
        if (!on && s.superReadOnly) throw Object.assign(new Error('read_only cannot be OFF while super_read_only is ON'), { errno: 1231 });
        s.readOnly = on;
      }
      return [];
    }
    throw new Error(`the fake server does not know: ${sql}`);
  }

  readonly conn = {
    escape: (v: string) => `'${v}'`,
    query: async (sql: string) => {
      this.sent.push(sql);
      return [this.answer(sql)];
    },
  } as unknown as Connection;
}
