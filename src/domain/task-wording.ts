/**
 * The service's own task messages are stored in the web API document's Chinese (REST answers them as documented); a
 * reader who asked for English gets them in English, over REST and GraphQL alike. A message a user set is shown as set.
 */
import type { Lang } from './messages.js';
import { STAGE_MESSAGES } from './stage-names.js';

export const TASK_MESSAGES = {
  queued: { zh: '任务已排队,等待处理', en: 'Queued, waiting to be processed' },
  started: { zh: '开始处理', en: 'Processing started' },
  completed: { zh: '处理完成成功', en: 'Processing completed successfully' },
  failed: { zh: '处理失败', en: 'Processing failed' },
} as const;

const FAILURE_PREFIX = { zh: '处理失败: ', en: 'Processing failed: ' } as const;

const ENGLISH = new Map<string, string>([...Object.values(TASK_MESSAGES), ...Object.values(STAGE_MESSAGES)].map((m) => [m.zh, m.en]));

/** A task's `message` in `lang`. */
export function taskMessage(stored: string, lang: Lang): string {
  return lang === 'en' ? (ENGLISH.get(stored) ?? stored) : stored;
}

/** The stored text of a failed run's error: the document's `处理失败: <reason>`. */
export const failureText = (reason: string): string => `${FAILURE_PREFIX.zh}${reason}`;

/** A failed run's error message in `lang` (the reason itself is the science's, in English). */
export function taskErrorMessage(stored: string, lang: Lang): string {
  return lang === 'en' && stored.startsWith(FAILURE_PREFIX.zh) ? `${FAILURE_PREFIX.en}${stored.slice(FAILURE_PREFIX.zh.length)}` : stored;
}
