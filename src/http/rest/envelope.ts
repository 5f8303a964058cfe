/**
 * The documented response envelope `{code, message, data}`. Data's fields are mirrored at the top level too, because
 * the doc's example clients read `job_id`, `status`, `results`, `error` there (DESIGN decision 7); the envelope's own
 * `code`, `message` and `data` win over a data field of the same name. Failures also carry `error` (the message),
 * which the doc's clients print.
 */
import { Response } from 'fets';
import { message, type MessageKey } from './messages.js';
import type { RestCall } from './route.js';

export type Data = Record<string, unknown>;

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * `dataMessage`: data's own `message` takes the top level (GET /task: the documented clients print
 * `status['message']` as what the task is doing); the envelope's text then moves to `response_message`.
 */
export function envelopeBody(code: number, text: string, data: Data = {}, options: { error?: boolean; dataMessage?: boolean } = {}): Data {
  const body: Data = options.dataMessage && typeof data.message === 'string' ? { code, message: data.message, response_message: text, data } : { code, message: text, data };
  for (const [key, value] of Object.entries(data)) if (!(key in body)) body[key] = value;
  if ((options.error ?? code >= 400) && !('error' in body)) body.error = text;
  return body;
}

export function jsonResponse(code: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status: code, headers: { 'content-type': JSON_TYPE, ...headers } });
}

/** An envelope whose message is `key` from the catalogue, in the caller's language. */
export function reply(
  call: Pick<RestCall, 'lang'>,
  code: number,
  key: MessageKey,
  data: Data = {},
  options: { params?: Record<string, string>; headers?: Record<string, string>; dataMessage?: boolean } = {},
): Response {
  return jsonResponse(code, envelopeBody(code, message(call.lang, key, options.params), data, { dataMessage: options.dataMessage }), options.headers);
}

/** An envelope with a message already worded (e.g. a health issue chosen by language). */
export function replyText(code: number, text: string, data: Data = {}, options: { headers?: Record<string, string>; error?: boolean } = {}): Response {
  return jsonResponse(code, envelopeBody(code, text, data, { error: options.error }), options.headers);
}

/** Seconds since the epoch with milliseconds, as the doc's timestamps (`1705257600.123`). */
export const epochSeconds = (date: Date): number => date.getTime() / 1000;
