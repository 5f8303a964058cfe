/**
 * The words of the domain outcomes both APIs report (REST in its envelope's `message`, GraphQL in its typed errors'
 * `message`), in Chinese and English, so the same outcome reads the same in both. Chinese is the web API doc's text
 * where the doc gives one (exactly as written there); the other texts are ours. Messages only one API has (success
 * texts, request parsing, pagination, …) live with that API.
 */
import { TASK_PRIORITIES } from './task.js';

import type { Lang } from './language.js';

export type { Lang } from './language.js';

export interface Message {
  readonly zh: string;
  readonly en: string;
}

/** `104857600` → `100MB`, as the doc writes the limit. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : Number(mb.toFixed(2))}MB`;
}

export const DOMAIN_MESSAGES = {
  // ---- documented (the doc's Chinese) ----
  taskNotFound: { zh: '任务未找到', en: 'Task not found' },
  invalidStatus: {
    zh: '无效状态。必须是以下之一: pending, processing, completed, failed',
    en: 'Invalid status. Must be one of: pending, processing, completed, failed',
  },
  taskActive: {
    zh: '无法删除当前正在处理或等待处理的任务',
    en: 'Cannot delete a task that is processing or waiting to be processed',
  },
  filesNotDeleted: (reason: string): Message => ({
    zh: `删除任务文件失败: ${reason}`,
    en: `Failed to delete the task files: ${reason}`,
  }),
  badDataExtension: {
    zh: '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。',
    en: 'Invalid data file type. Only .xlsx and .xls files are allowed.',
  },
  badConfigExtension: {
    zh: '无效的配置文件类型。只允许 .yaml 和 .yml 格式。',
    en: 'Invalid config file type. Only .yaml and .yml files are allowed.',
  },
  tooLarge: (maxBytes: number): Message => ({
    zh: `文件过大。最大尺寸为 ${formatMegabytes(maxBytes)}。`,
    en: `File too large. The maximum size is ${formatMegabytes(maxBytes)}.`,
  }),

  // ---- ours, where the doc is silent ----
  invalidPriority: {
    zh: `无效优先级。必须是以下之一: ${TASK_PRIORITIES.join(', ')}`,
    en: `Invalid priority. Must be one of: ${TASK_PRIORITIES.join(', ')}`,
  },
  invalidMessage: (maxLength: number): Message => ({
    zh: `无效消息。必须是不超过 ${maxLength} 个字符的字符串`,
    en: `Invalid message. Must be a string of at most ${maxLength} characters`,
  }),
  emptyUpdate: { zh: '请至少提供 status、message 或 priority 之一', en: 'Give at least one of status, message or priority' },
  notSpreadsheet: {
    zh: '数据文件不是有效的 Excel 工作簿 (.xlsx 或 .xls)。',
    en: 'The data file is not an Excel workbook (.xlsx or .xls).',
  },
  emptyFile: { zh: '数据文件为空。', en: 'The data file is empty.' },
  /** `reason` is the validation's own English sentence ("Invalid config: strategies.spatial: …"), so English adds nothing. */
  invalidConfig: (reason: string): Message => ({ zh: `配置文件内容无效: ${reason}`, en: reason }),
} as const satisfies Record<string, Message | ((...args: never[]) => Message)>;
