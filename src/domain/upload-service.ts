/**
 * Receiving an upload for a new task, whichever API it comes through. The request's files are already on disk, where
 * the multipart reader (src/http/multipart.ts) wrote them as they arrived; here they are checked by name, size and
 * content, then moved (renamed, never copied) into the task's upload folder, and the task is created only once
 * everything is in place. A refused upload leaves nothing behind.
 */
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskService } from './task-service.js';
import { TASK_PRIORITIES, type StoredFile, type Task, type TaskPriority } from './task.js';
import { checkConfigText, hasConfigExtension, hasDataExtension, looksLikeSpreadsheet, safeFileName } from './upload-rules.js';

/** A file of a request, stored whole: a class, so that no JSON a client sends can pass for one. */
export class ReceivedFile {
  constructor(
    /** The name the client gave it. */
    readonly fileName: string,
    /** Where it is now; receive() moves it. */
    readonly path: string,
    readonly size: number,
    readonly sha256: string,
    /** Its first bytes, for sniffing. */
    readonly head: Uint8Array,
  ) {}
}

export type UploadPart = 'file' | 'config';

export interface UploadParts<Priority extends string = string> {
  /** The flight (.xlsx/.xls, and a workbook inside). */
  file: ReceivedFile;
  /** The optional YAML config, parsed and validated now so a bad one is refused at once. */
  config: ReceivedFile | null;
  priority: Priority;
}

export type ReceiveFailure =
  | { ok: false; reason: 'bad_extension'; part: UploadPart }
  | { ok: false; reason: 'too_large'; part: UploadPart; maxBytes: number }
  | { ok: false; reason: 'empty' | 'not_spreadsheet'; part: 'file' }
  | { ok: false; reason: 'invalid_config'; part: 'config'; message: string }
  | { ok: false; reason: 'invalid_priority' };

/** A priority already typed as one (a GraphQL enum) cannot be refused. */
export type ReceiveResult<Priority extends string = string> =
  | { ok: true; task: Task }
  | Exclude<ReceiveFailure, Priority extends TaskPriority ? { reason: 'invalid_priority' } : never>;

/** A new task's id and its upload folder, before anything is in it. */
export interface PendingUpload {
  taskId: string;
  directory: string;
}

const MAX_CONFIG_BYTES = 256 * 1024;

/** The refusal a file's name alone earns, so a reader can refuse it before storing a byte of it. */
export function nameRefusal(part: UploadPart, fileName: string): Extract<ReceiveFailure, { reason: 'bad_extension' }> | null {
  const allowed = part === 'file' ? hasDataExtension(fileName) : hasConfigExtension(fileName);
  return allowed ? null : { ok: false, reason: 'bad_extension', part };
}

const isPriority = (value: string): value is TaskPriority => (TASK_PRIORITIES as readonly string[]).includes(value);

export class UploadService {
  constructor(
    private readonly tasks: TaskService,
    private readonly uploadFolder: string,
    private readonly maxBytes: number,
  ) {}

  /** A new task's folder, for a reader to write a request's files into directly (REST does). */
  async begin(): Promise<PendingUpload> {
    const taskId = this.tasks.newTaskId();
    const directory = join(this.uploadFolder, taskId);
    await mkdir(directory, { recursive: true });
    return { taskId, directory };
  }

  /**
   * Checks the parts and, if they pass, moves them into the task's folder (`upload`'s when they were read into it, a
   * new one otherwise) and queues the task. Refused or failed, the parts' files and the folder are removed.
   */
  async receive<Priority extends string>(parts: UploadParts<Priority>, upload?: PendingUpload): Promise<ReceiveResult<Priority>> {
    const refusal = await this.check(parts);
    if (refusal) {
      await this.discard(parts, upload);
      return refusal as ReceiveResult<Priority>;
    }
    const pending = upload ?? (await this.begin());
    try {
      const data = await this.store(pending, parts.file, safeFileName(parts.file.fileName, 'data.xlsx'));
      const config = parts.config && (await this.store(pending, parts.config, `config-${safeFileName(parts.config.fileName, 'config.yaml')}`));
      return { ok: true, task: await this.tasks.create(pending.taskId, data, config, parts.priority as TaskPriority) };
    } catch (error) {
      await this.discard(parts, pending);
      throw error;
    }
  }

  /** Drops everything stored for an upload that was refused. */
  async abort(upload: PendingUpload): Promise<void> {
    await rm(upload.directory, { recursive: true, force: true });
  }

  /** The first refusal, in the order the parts are judged: the data file, then the config, then the priority. */
  private async check({ file, config, priority }: UploadParts): Promise<ReceiveFailure | null> {
    const fileRefusal = nameRefusal('file', file.fileName);
    if (fileRefusal) return fileRefusal;
    if (file.size > this.maxBytes) return { ok: false, reason: 'too_large', part: 'file', maxBytes: this.maxBytes };
    if (file.size === 0) return { ok: false, reason: 'empty', part: 'file' };
    if (!looksLikeSpreadsheet(file.head)) return { ok: false, reason: 'not_spreadsheet', part: 'file' };
    if (config) {
      const configRefusal = nameRefusal('config', config.fileName);
      if (configRefusal) return configRefusal;
      if (file.size + config.size > this.maxBytes) return { ok: false, reason: 'too_large', part: 'config', maxBytes: this.maxBytes };
      if (config.size > MAX_CONFIG_BYTES) {
        return { ok: false, reason: 'invalid_config', part: 'config', message: `The config is too large: more than ${MAX_CONFIG_BYTES} bytes` };
      }
      const checked = checkConfigText(await readFile(config.path, 'utf8'));
      if (!checked.ok) return { ok: false, reason: 'invalid_config', part: 'config', message: checked.message };
    }
    return isPriority(priority) ? null : { ok: false, reason: 'invalid_priority' };
  }

  private async store(upload: PendingUpload, file: ReceivedFile, name: string): Promise<StoredFile> {
    await rename(file.path, join(upload.directory, name));
    return { originalName: name, path: `${upload.taskId}/${name}`, size: file.size, sha256: file.sha256 };
  }

  private async discard(parts: UploadParts, upload: PendingUpload | undefined): Promise<void> {
    await Promise.all([parts.file, parts.config].map((file) => file && rm(file.path, { force: true })));
    if (upload) await this.abort(upload);
  }
}
