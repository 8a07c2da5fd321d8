// The CLI's one table renderer: padded plain text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../../src/cli/table';

describe('formatTable', () => {
  it('text: columns as wide as their widest cell, two spaces apart, absent cells "-", no trailing spaces', () => {
    assert.equal(formatTable([['name', 'lag', 'note'], ['db1', 0, null], ['db22', 120, undefined]]), [
      'name  lag  note',
      'db1   0    -',
      'db22  120  -',
    ].join('\n'));
  });

  it('no rows: nothing', () => {
    assert.equal(formatTable([]), '');
  });
});
