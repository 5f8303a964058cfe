/**
 * Every message the REST API answers with, in Chinese (the web API doc's words, exact where the doc gives one) and
 * English. `Accept-Language` picks the language; Chinese is the default, as in the doc.
 */
export type Lang = 'zh' | 'en';

type Text = string | ((p: Record<string, string>) => string);

interface Entry {
  zh: Text;
  en: Text;
}

const same = (text: string): Entry => ({ zh: text, en: text });

export const MESSAGES = {
  // ---- documented ----
  health_ok: { zh: '健康检查完成', en: 'Health check completed' },
  health_degraded: { zh: '服务不可用', en: 'Service unavailable' },
  stats_ok: { zh: '统计信息获取成功', en: 'Statistics retrieved successfully' },
  stats_reset: { zh: '统计信息重置成功', en: 'Statistics reset successfully' },
  config_ok: { zh: '配置信息获取成功', en: 'Configuration retrieved successfully' },
  upload_accepted: { zh: '任务已接受并加入处理队列', en: 'Task accepted and queued for processing' },
  upload_bad_data_type: {
    zh: '无效的数据文件类型。只允许 .xlsx 和 .xls 格式。',
    en: 'Invalid data file type. Only .xlsx and .xls files are allowed.',
  },
  upload_bad_config_type: {
    zh: '无效的配置文件类型。只允许 .yaml 和 .yml 格式。',
    en: 'Invalid config file type. Only .yaml and .yml files are allowed.',
  },
  upload_too_large: {
    zh: (p) => `文件过大。最大尺寸为 ${p.size}。`,
    en: (p) => `File too large. The maximum size is ${p.size}.`,
  },
  task_ok: { zh: '任务查询成功', en: 'Task retrieved successfully' },
  task_not_found: { zh: '任务未找到', en: 'Task not found' },
  task_updated: { zh: '任务更新成功', en: 'Task updated successfully' },
  task_bad_status: {
    zh: '无效状态。必须是以下之一: pending, processing, completed, failed',
    en: 'Invalid status. Must be one of: pending, processing, completed, failed',
  },
  body_not_json: { zh: '请求体必须是 JSON 格式', en: 'The request body must be JSON' },
  task_deleted: { zh: '任务及相关文件删除成功', en: 'Task and its files deleted successfully' },
  task_delete_active: {
    zh: '无法删除当前正在处理或等待处理的任务',
    en: 'Cannot delete a task that is processing or waiting to be processed',
  },
  task_delete_failed: {
    zh: (p) => `删除任务文件失败: ${p.reason}`,
    en: (p) => `Failed to delete the task files: ${p.reason}`,
  },
  reports_ok: { zh: '报告列表获取成功', en: 'Report list retrieved successfully' },
  // The doc gives these in English in the Chinese document; both languages use them as they are.
  reports_bad_page: same('Invalid parameter: page must be a positive integer'),
  reports_bad_per_page: same('Invalid parameter: per_page must be between 1 and 100'),
  reports_bad_sort_by: same('Invalid parameter: sort_by must be one of created_at, task_id, file_size, processing_time'),
  reports_bad_sort_order: same('Invalid parameter: sort_order must be one of asc, desc'),
  reports_bad_status: same('Invalid parameter: status must be one of completed, failed'),
  download_forbidden: { zh: '访问被拒绝', en: 'Access denied' },
  download_not_found: { zh: '文件未找到', en: 'File not found' },
  download_not_a_file: { zh: '路径不是文件', en: 'The path is not a file' },

  // ---- ours, where the doc is silent ----
  upload_not_spreadsheet: { zh: '文件内容不是有效的 Excel 工作簿。', en: 'The file content is not an Excel workbook.' },
  upload_empty_file: { zh: '数据文件为空。', en: 'The data file is empty.' },
  upload_missing_file: { zh: '请求中缺少数据文件 (file 字段)。', en: "The request has no data file (form field 'file')." },
  upload_duplicate_file: { zh: '只能上传一个数据文件和一个配置文件。', en: 'Send at most one data file and one config file.' },
  upload_not_multipart: {
    zh: '请求必须是 multipart/form-data 格式,并包含 file 字段。',
    en: "The request must be multipart/form-data with a 'file' field.",
  },
  upload_malformed: { zh: '无法解析 multipart/form-data 请求体。', en: 'The multipart/form-data body could not be parsed.' },
  upload_bad_config: {
    zh: (p) => `配置文件内容无效: ${p.detail}`,
    en: (p) => p.detail,
  },
  upload_config_too_large: { zh: '配置文件过大。', en: 'The config file is too large.' },
  bad_priority: { zh: '无效优先级。必须是以下之一: high, normal, low', en: 'Invalid priority. Must be one of: high, normal, low' },
  task_bad_message: {
    zh: (p) => `无效消息。必须是不超过 ${p.max} 个字符的字符串`,
    en: (p) => `Invalid message. Must be a string of at most ${p.max} characters`,
  },
  task_empty_update: {
    zh: '请求体必须至少包含 status、message 或 priority 之一',
    en: 'The body must contain at least one of status, message or priority',
  },
  task_bad_id: { zh: '无效的任务 ID 格式', en: 'Invalid task id format' },
  body_too_large: { zh: '请求体过大', en: 'The request body is too large' },
  not_found: { zh: '请求的资源不存在', en: 'Not found' },
  method_not_allowed: { zh: '不允许的请求方法', en: 'Method not allowed' },
  internal_error: { zh: '服务器内部错误', en: 'Internal server error' },
  processing_starting: { zh: '开始处理', en: 'Processing started' },
} satisfies Record<string, Entry>;

export type MessageKey = keyof typeof MESSAGES;

export function message(lang: Lang, key: MessageKey, params: Record<string, string> = {}): string {
  const text: Text = MESSAGES[key][lang];
  return typeof text === 'function' ? text(params) : text;
}

/**
 * The language of the answer from `Accept-Language`: English when English is preferred over Chinese (by order or
 * q-value), Chinese otherwise.
 */
export function pickLanguage(acceptLanguage: string | null | undefined): Lang {
  if (!acceptLanguage) return 'zh';
  let best: { lang: Lang; q: number; index: number } | null = null;
  acceptLanguage.split(',').forEach((part, index) => {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    const lang: Lang | null = tag === 'en' || tag.startsWith('en-') ? 'en' : tag === 'zh' || tag.startsWith('zh-') ? 'zh' : null;
    if (!lang) return;
    if (!best || q > best.q) best = { lang, q, index };
  });
  return (best as { lang: Lang } | null)?.lang ?? 'zh';
}

/** `104857600` → `100MB`, as the doc writes the limit. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : Number(mb.toFixed(2))}MB`;
}
