import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as XLSX from 'xlsx';

test('the SheetJS build is the CVE-free 0.20.3 republished on the npm registry', () => {
  assert.equal(XLSX.version, '0.20.3');
});
