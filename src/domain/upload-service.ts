/**
 * Receiving an upload for a new task, whichever API it comes through: files stream to the task's upload folder,
 * are checked by extension and content, and the task is created only once everything is stored.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { streamToFile } from '../infra/stream-to-file.js';
import type { TaskService } from './task-service.js';
import type { StoredFile, Task, TaskPriority } from './task.js';
import { checkConfigText, hasConfigExtension, hasDataExtension, looksLikeSpreadsheet, safeFileName } from './upload-rules.js';

export type SaveResult =
  | { ok: true; file: StoredFile }
  | { ok: false; reason: 'bad_extension' | 'not_spreadsheet' | 'too_large' | 'empty' }
  | { ok: false; reason: 'invalid_config'; message: string };

export interface PendingUpload {
  taskId: string;
  directory: string;
  /** Bytes still allowed for this request's files. */
  remaining: number;
}

const MAX_CONFIG_BYTES = 256 * 1024;

export class UploadService {
  constructor(
    private readonly tasks: TaskService,
    private readonly uploadFolder: string,
    private readonly maxBytes: number,
  ) {}

  async begin(): Promise<PendingUpload> {
    const taskId = this.tasks.newTaskId();
    const directory = join(this.uploadFolder, taskId);
    await mkdir(directory, { recursive: true });
    return { taskId, directory, remaining: this.maxBytes };
  }

  /** The flight (.xlsx/.xls, and a workbook inside). */
  async saveData(upload: PendingUpload, fileName: string, stream: Readable): Promise<SaveResult> {
    if (!hasDataExtension(fileName)) {
      stream.resume();
      return { ok: false, reason: 'bad_extension' };
    }
    const name = safeFileName(fileName, 'data.xlsx');
    const saved = await this.save(upload, name, stream, upload.remaining);
    if (!saved.ok) return saved;
    if (saved.file.size === 0) return { ok: false, reason: 'empty' };
    if (!looksLikeSpreadsheet(saved.head)) {
      await rm(join(upload.directory, name), { force: true });
      return { ok: false, reason: 'not_spreadsheet' };
    }
    return { ok: true, file: saved.file };
  }

  /** The optional YAML config, parsed and validated now so a bad one is refused at once. */
  async saveConfig(upload: PendingUpload, fileName: string, stream: Readable): Promise<SaveResult> {
    if (!hasConfigExtension(fileName)) {
      stream.resume();
      return { ok: false, reason: 'bad_extension' };
    }
    const name = `config-${safeFileName(fileName, 'config.yaml')}`;
    const saved = await this.save(upload, name, stream, Math.min(upload.remaining, MAX_CONFIG_BYTES));
    if (!saved.ok) {
      // Over the config's own bound (not the request's): a bad config, not a too-large upload.
      if (MAX_CONFIG_BYTES < upload.remaining) return { ok: false, reason: 'invalid_config', message: `The config is too large: more than ${MAX_CONFIG_BYTES} bytes` };
      return saved;
    }
    const checked = checkConfigText(await readFile(join(upload.directory, name), 'utf8'));
    if (!checked.ok) return { ok: false, reason: 'invalid_config', message: checked.message };
    return { ok: true, file: saved.file };
  }

  private async save(upload: PendingUpload, name: string, stream: Readable, limit: number) {
    const result = await streamToFile(stream, join(upload.directory, name), limit);
    if (!result.ok) return { ok: false as const, reason: 'too_large' as const };
    upload.remaining -= result.size;
    return {
      ok: true as const,
      head: result.head,
      file: { originalName: name, path: `${upload.taskId}/${name}`, size: result.size, sha256: result.sha256 },
    };
  }

  commit(upload: PendingUpload, data: StoredFile, config: StoredFile | null, priority: TaskPriority = 'normal'): Promise<Task> {
    return this.tasks.create(upload.taskId, data, config, priority);
  }

  /** Drops everything stored for an upload that was refused. */
  async abort(upload: PendingUpload): Promise<void> {
    await rm(upload.directory, { recursive: true, force: true });
  }
}
