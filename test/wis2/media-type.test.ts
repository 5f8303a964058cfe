import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectMediaType, effectiveMediaType, normaliseMediaType } from '../../src/wis2/media-type.js';

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('media-type detection', () => {
  test('BUFR and GRIB are recognised by their magic with WMO names', () => {
    assert.equal(detectMediaType(bytes('BUFR', [0, 0, 0x2e, 4])), 'application/bufr');
    assert.equal(detectMediaType(bytes('GRIB', [0, 0, 0, 2])), 'application/grib');
    assert.equal(detectMediaType(bytes('GRIB', [0, 0, 0, 1])), 'application/grib');
  });

  test('libmagic naming reproduces the reference: x-grib for edition 1, x-grib2 for edition 2', () => {
    assert.equal(detectMediaType(bytes('GRIB', [0, 0, 0, 1]), 'libmagic'), 'application/x-grib');
    assert.equal(detectMediaType(bytes('GRIB', [0, 0, 0, 2]), 'libmagic'), 'application/x-grib2');
    assert.equal(detectMediaType(bytes('BUFR', [0, 0, 0, 4]), 'libmagic'), 'application/bufr');
  });

  test('BUFR behind a GTS bulletin heading is found in WMO naming only', () => {
    const gts = bytes([1], '\r\r\n123\r\r\nIUSD01 EDZW 110600\r\r\n', 'BUFR', [0, 0, 0, 4]);
    assert.equal(detectMediaType(gts), 'application/bufr');
    assert.equal(detectMediaType(gts, 'libmagic'), 'application/octet-stream');
  });

  test('HDF5 (and so NetCDF-4) and classic NetCDF are told apart', () => {
    assert.equal(detectMediaType(bytes([0x89], 'HDF\r\n', [0x1a, 0x0a, 0])), 'application/x-hdf5');
    assert.equal(detectMediaType(bytes('CDF', [1, 0, 0])), 'application/x-netcdf');
    assert.equal(detectMediaType(bytes('CDF', [2, 0, 0])), 'application/x-netcdf');
  });

  test('common image, document and archive formats are named as libmagic names them', () => {
    assert.equal(detectMediaType(bytes([0x89], 'PNG\r\n', [0x1a, 0x0a])), 'image/png');
    assert.equal(detectMediaType(bytes([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(detectMediaType(bytes('GIF89a')), 'image/gif');
    assert.equal(detectMediaType(bytes('II*', [0])), 'image/tiff');
    assert.equal(detectMediaType(bytes('%PDF-1.7')), 'application/pdf');
    assert.equal(detectMediaType(bytes('PK', [3, 4])), 'application/zip');
    assert.equal(detectMediaType(bytes([0x1f, 0x8b, 8])), 'application/gzip');
  });

  test('text is plain, XML, HTML or JSON by its content', () => {
    assert.equal(detectMediaType(bytes('SZIO01 AMMC 110648\r\r\nCREX++\r\r\n')), 'text/plain');
    assert.equal(detectMediaType(bytes('<?xml version="1.0"?><a/>')), 'text/xml');
    assert.equal(detectMediaType(bytes('<!DOCTYPE html><html></html>')), 'text/html');
    assert.equal(detectMediaType(bytes('{"a": [1, 2]}')), 'application/json');
    assert.equal(detectMediaType(bytes('{not json')), 'text/plain');
  });

  test('unknown binary is octet-stream and empty input is x-empty', () => {
    assert.equal(detectMediaType(bytes([0, 1, 2, 3, 0xfe])), 'application/octet-stream');
    assert.equal(detectMediaType(new Uint8Array()), 'application/x-empty');
  });

  test('legacy names normalise to WMO names, and octet-stream defers to the declared type', () => {
    assert.equal(normaliseMediaType('application/x-grib2'), 'application/grib');
    assert.equal(normaliseMediaType('application/x-bufr'), 'application/bufr');
    assert.equal(normaliseMediaType('Text/Plain; charset=utf-8'), 'text/plain');
    assert.equal(effectiveMediaType('application/octet-stream', 'application/x-grib'), 'application/grib');
    assert.equal(effectiveMediaType('text/plain', 'application/bufr'), 'text/plain');
    assert.equal(effectiveMediaType('application/octet-stream', undefined), 'application/octet-stream');
  });
});
