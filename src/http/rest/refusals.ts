/**
 * How REST answers the expected failures of an operation: one table per operation, from the domain's reason to the
 * status, the message key and what the envelope's data and message carry. Handlers look the reason up; they do not
 * switch on it.
 */
import type { Response } from 'fets';
import { reply, type Data } from './envelope.js';
import type { MessageKey } from './messages.js';
import type { RestCall } from './route.js';

type Call = Pick<RestCall, 'lang' | 'params' | 'services'>;

export interface Refusal<F> {
  status: number;
  key: MessageKey | ((failure: F) => MessageKey);
  /** The envelope's data; `{}` when absent. */
  data?: (failure: F, call: Call) => Data;
  /** The parameters of a message built from them. */
  params?: (failure: F, call: Call) => Record<string, string>;
  headers?: Record<string, string>;
}

/** Every reason of `F` (a union of `{reason: …}` failures) with its answer, checked for completeness by the compiler. */
export type Refusals<F extends { reason: string }> = { [R in F['reason']]: Refusal<Extract<F, { reason: R }>> };

export function refuse<F extends { reason: string }>(call: Call, table: Refusals<F>, failure: F): Response {
  return answer(call, table[failure.reason as F['reason']] as Refusal<F>, failure);
}

export function answer<F>(call: Call, refusal: Refusal<F>, failure: F): Response {
  const key = typeof refusal.key === 'function' ? refusal.key(failure) : refusal.key;
  return reply(call, refusal.status, key, refusal.data?.(failure, call) ?? {}, { params: refusal.params?.(failure, call), headers: refusal.headers });
}
