// POSIX shell quoting for remote commands: every argument goes through here.
export function shellQuote(arg: string | number): string {
  const s = String(arg);
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: (string | number)[]): string {
  return argv.map(shellQuote).join(' ');
}
