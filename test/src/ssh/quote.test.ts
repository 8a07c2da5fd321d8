// Quoting for the remote shell: any string reaches the command as one literal argument.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shellCommand, shellQuote } from '../../../src/ssh/quote';

describe('shell quoting', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'], ['/var/lib/mysql/mysql-bin.000001', '/var/lib/mysql/mysql-bin.000001'], ['', "''"],
    ["it's", `'it'\\''s'`], ['a b', "'a b'"], ['$(rm -rf /)', "'$(rm -rf /)'"], ['`x`;y', "'`x`;y'"], ['a\nb', "'a\nb'"],
  ];
  for (const [input, expected] of cases) it(`quotes ${JSON.stringify(input)}`, () => assert.equal(shellQuote(input), expected));
  it('joins argv', () => assert.equal(shellCommand(['ls', '-l', "x y"]), "ls -l 'x y'"));
});
