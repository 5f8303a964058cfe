import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

export type StreamToFileResult =
  | { ok: true; size: number; sha256: string; head: Buffer }
  | { ok: false; reason: 'too_large'; size: number };

const HEAD_BYTES = 16;

/**
 * Streams to `<path>.partial` while hashing and counting, then renames into place. Past `maxBytes` it stops,
 * removes the partial file and reports too_large; the caller decides what to do with the rest of the request.
 */
export async function streamToFile(source: Readable, path: string, maxBytes: number): Promise<StreamToFileResult> {
  const partial = `${path}.partial`;
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let tooLarge = false;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        callback(new Error('too large'));
        return;
      }
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    if (tooLarge) {
      source.resume();
      return { ok: false, reason: 'too_large', size };
    }
    throw error;
  }
  await rename(partial, path);
  return { ok: true, size, sha256: hash.digest('hex'), head };
}
