/**
 * The words of typed errors, in the REST API doc's Chinese (its documented messages where it has one) and in English.
 * A resolver picks one with the request's language.
 */
import { TASK_PRIORITIES, TASK_STATUSES } from '../src/domain/task.js';

export interface Message {
  zh: string;
  en: string;
}

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10}MB`;

export const messages = {
  taskNotFound: { zh: '任务未找到', en: 'Task not found' },
  invalidStatus: {
    zh: `无效状态。必须是以下之一: ${TASK_STATUSES.join(', ')}`,
    en: `Invalid status. Must be one of: ${TASK_STATUSES.join(', ')}`,
  },
  invalidPriority: {
    zh: `无效优先级。必须是以下之一: ${TASK_PRIORITIES.join(', ')}`,
    en: `Invalid priority. Must be one of: ${TASK_PRIORITIES.join(', ')}`,
  },
  invalidMessage: (maxLength: number): Message => ({
    zh: `无效消息。消息最多 ${maxLength} 个字符`,
    en: `Invalid message. A message has at most ${maxLength} characters`,
  }),
  emptyUpdate: { zh: '请至少提供 status、message 或 priority 之一', en: 'Give at least one of status, message or priority' },
  taskActive: { zh: '无法删除当前正在处理或等待处理的任务', en: 'Cannot delete a task that is processing or waiting to be processed' },
  filesNotDeleted: (reason: string): Message => ({ zh: `删除任务文件失败: ${reason}`, en: `Deleting the task's files failed: ${reason}` }),
  badDataExtension: { zh: '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。', en: 'Invalid data file type. Only .xlsx and .xls are allowed.' },
  badConfigExtension: { zh: '无效的配置文件类型。只允许 .yaml 和 .yml 格式。', en: 'Invalid config file type. Only .yaml and .yml are allowed.' },
  notSpreadsheet: {
    zh: '数据文件不是有效的 Excel 工作簿 (.xlsx 或 .xls)。',
    en: 'The data file is not an Excel workbook (.xlsx or .xls).',
  },
  emptyFile: { zh: '上传的文件为空。', en: 'The uploaded file is empty.' },
  tooLarge: (maxBytes: number): Message => ({
    zh: `文件过大。最大尺寸为 ${megabytes(maxBytes)}。`,
    en: `File too large. The maximum size is ${megabytes(maxBytes)}.`,
  }),
  invalidConfig: (reason: string): Message => ({ zh: `无效的配置文件: ${reason}`, en: `Invalid config file: ${reason}` }),
} as const;
