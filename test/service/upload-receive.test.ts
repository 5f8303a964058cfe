/**
 * UploadService.receive takes files the multipart reader already wrote (for REST and GraphQL alike) and moves them into
 * the task's upload folder: the bytes are written once, never copied. A refused upload leaves nothing behind.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { ReceivedFile, UploadService } from '../../src/domain/upload-service.ts';
import type { TaskService } from '../../src/domain/task-service.ts';
import type { StoredFile, Task } from '../../src/domain/task.ts';

const ZIP_HEAD = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

describe('receiving an upload', () => {
  const root = mkdtempSync(join(tmpdir(), 'gasflux-receive-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const uploadFolder = join(root, 'uploads');
  const staging = join(uploadFolder, '.incoming', 'request');
  mkdirSync(staging, { recursive: true });

  const created: { id: string; input: StoredFile; config: StoredFile | null }[] = [];
  const tasks = {
    newTaskId: () => randomUUID(),
    create: async (id: string, input: StoredFile, config: StoredFile | null) => {
      created.push({ id, input, config });
      return { id } as Task;
    },
  } as unknown as TaskService;
  const uploads = new UploadService(tasks, uploadFolder, 1024 * 1024);

  /** A file as the multipart reader leaves it: written whole, counted and hashed. */
  function staged(name: string, content: Buffer, fileName: string): ReceivedFile {
    const path = join(staging, name);
    writeFileSync(path, content);
    return new ReceivedFile(fileName, path, content.length, createHash('sha256').update(content).digest('hex'), content.subarray(0, 16));
  }

  test('the files are moved into the task folder under their safe names, the same files on disk, not copies', async () => {
    const data = staged('part-0', Buffer.concat([ZIP_HEAD, Buffer.alloc(1000, 1)]), '08_34_01_5m.xlsx');
    const config = staged('part-1', Buffer.from('strategies:\n  spatial: curtain\n'), 'config.yaml');
    const inodes = [statSync(data.path).ino, statSync(config.path).ino];

    const received = await uploads.receive({ file: data, config, priority: 'high' });
    assert.ok(received.ok);
    const [task] = created;
    assert.equal(task.id, received.task.id);
    assert.deepEqual(readdirSync(join(uploadFolder, task.id)).sort(), ['08_34_01_5m.xlsx', 'config-config.yaml']);
    assert.deepEqual(
      [statSync(join(uploadFolder, task.id, '08_34_01_5m.xlsx')).ino, statSync(join(uploadFolder, task.id, 'config-config.yaml')).ino],
      inodes,
      'renamed, so written once',
    );
    assert.deepEqual(readdirSync(staging), [], 'nothing is left where the reader wrote them');
    assert.deepEqual(task.input, { originalName: '08_34_01_5m.xlsx', path: `${task.id}/08_34_01_5m.xlsx`, size: 1004, sha256: data.sha256 });
  });

  test('a refused upload removes the files it was given and creates no task folder', async () => {
    const before = readdirSync(uploadFolder).sort();
    const data = staged('part-0', Buffer.from('just some notes, not a workbook\n'), 'notes.xlsx');
    const received = await uploads.receive({ file: data, config: null, priority: 'normal' });
    assert.deepEqual(received, { ok: false, reason: 'not_spreadsheet', part: 'file' });
    assert.equal(existsSync(data.path), false);
    assert.deepEqual(readdirSync(uploadFolder).sort(), before);
  });

  test('a priority given as text is judged after the files, as the REST API reads it', async () => {
    const data = staged('part-0', Buffer.concat([ZIP_HEAD, Buffer.alloc(10, 1)]), 'flight.xls');
    assert.deepEqual(await uploads.receive({ file: data, config: null, priority: 'urgent' }), { ok: false, reason: 'invalid_priority' });
    const csv = staged('part-1', Buffer.from('a,b\n'), 'flight.csv');
    assert.deepEqual(await uploads.receive({ file: csv, config: null, priority: 'urgent' }), { ok: false, reason: 'bad_extension', part: 'file' });
  });
});
