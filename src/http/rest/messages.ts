/**
 * Every message the REST API answers with, in Chinese (the web API doc's words, exact where the doc gives one) and
 * English. `Accept-Language` picks the language; Chinese is the default, as in the doc. Outcomes the GraphQL API
 * reports too take their words from the domain's catalogue (src/domain/messages.ts); only REST's own texts are here.
 */
import { DOMAIN_MESSAGES as DOMAIN, type Lang, type Message } from '../../domain/messages.js';

export type { Lang } from '../../domain/messages.js';
export { pickLanguage } from '../../domain/language.js';

/** A fixed text, or one built from the call's parameters (strings, as the handlers pass them). */
type Entry = Message | ((p: Record<string, string>) => Message);

const same = (text: string): Entry => ({ zh: text, en: text });

export const REST_MESSAGES = {
  // ---- documented ----
  health_ok: { zh: '健康检查完成', en: 'Health check completed' },
  health_degraded: { zh: '服务不可用', en: 'Service unavailable' },
  stats_ok: { zh: '统计信息获取成功', en: 'Statistics retrieved successfully' },
  stats_reset: { zh: '统计信息重置成功', en: 'Statistics reset successfully' },
  config_ok: { zh: '配置信息获取成功', en: 'Configuration retrieved successfully' },
  upload_accepted: { zh: '任务已接受并加入处理队列', en: 'Task accepted and queued for processing' },
  task_ok: { zh: '任务查询成功', en: 'Task retrieved successfully' },
  task_updated: { zh: '任务更新成功', en: 'Task updated successfully' },
  body_not_json: { zh: '请求体必须是 JSON 格式', en: 'The request body must be JSON' },
  task_deleted: { zh: '任务及相关文件删除成功', en: 'Task and its files deleted successfully' },
  reports_ok: { zh: '报告列表获取成功', en: 'Report list retrieved successfully' },
  // The doc gives these in English in the Chinese document; both languages use them as they are.
  reports_bad_page: same('Invalid parameter: page must be a positive integer'),
  reports_bad_per_page: same('Invalid parameter: per_page must be between 1 and 100'),
  reports_bad_sort_by: same('Invalid parameter: sort_by must be one of created_at, task_id, file_size, processing_time'),
  reports_bad_sort_order: same('Invalid parameter: sort_order must be one of asc, desc'),
  reports_bad_status: same('Invalid parameter: status must be one of completed, failed'),
  result_file_forbidden: { zh: '访问被拒绝', en: 'Access denied' },
  result_file_not_found: { zh: '文件未找到', en: 'File not found' },
  result_file_not_a_file: { zh: '路径不是文件', en: 'The path is not a file' },

  // ---- ours, where the doc is silent ----
  upload_missing_file: { zh: '请求中缺少数据文件 (file 字段)。', en: "The request has no data file (form field 'file')." },
  upload_duplicate_file: { zh: '只能上传一个数据文件和一个配置文件。', en: 'Send at most one data file and one config file.' },
  upload_not_multipart: {
    zh: '请求必须是 multipart/form-data 格式,并包含 file 字段。',
    en: "The request must be multipart/form-data with a 'file' field.",
  },
  upload_malformed: { zh: '无法解析 multipart/form-data 请求体。', en: 'The multipart/form-data body could not be parsed.' },
  upload_too_many_parts: (p) => ({
    zh: `multipart/form-data 请求最多 ${p.max_parts} 个部分(至多 4 个文件、20 个字段;GASFLUX_MAX_FORM_PARTS)。`,
    en: `A multipart/form-data request may have at most ${p.max_parts} parts (at most 4 files and 20 fields; GASFLUX_MAX_FORM_PARTS).`,
  }),
  upload_config_too_large: { zh: '配置文件过大。', en: 'The config file is too large.' },
  body_too_large: { zh: '请求体过大', en: 'The request body is too large' },
  not_found: { zh: '请求的资源不存在', en: 'Not found' },
  method_not_allowed: { zh: '不允许的请求方法', en: 'Method not allowed' },
  internal_error: { zh: '服务器内部错误', en: 'Internal server error' },
  processing_starting: { zh: '开始处理', en: 'Processing started' },
  bad_path_encoding: { zh: '无效的请求路径编码', en: 'Invalid percent-encoding in the request path' },
  origin_forbidden: {
    zh: '不接受来自其他来源(Origin)的修改请求;请从本服务自己的页面发送,或将该来源加入 GASFLUX_CORS_ORIGINS',
    en: "Requests that change data are not accepted from another origin; send them from this service's own pages, or list the origin in GASFLUX_CORS_ORIGINS",
  },

  // ---- domain outcomes, worded once for both APIs (src/domain/messages.ts) ----
  task_not_found: DOMAIN.taskNotFound,
  task_bad_status: DOMAIN.invalidStatus,
  bad_priority: DOMAIN.invalidPriority,
  task_bad_message: (p) => DOMAIN.invalidMessage(Number(p.max)),
  task_empty_update: DOMAIN.emptyUpdate,
  task_delete_active: DOMAIN.taskActive,
  task_delete_failed: (p) => DOMAIN.filesNotDeleted(p.reason),
  upload_bad_data_type: DOMAIN.badDataExtension,
  upload_bad_config_type: DOMAIN.badConfigExtension,
  upload_not_spreadsheet: DOMAIN.notSpreadsheet,
  upload_empty_file: DOMAIN.emptyFile,
  upload_too_large: (p) => DOMAIN.tooLarge(Number(p.max_bytes)),
  upload_bad_config: (p) => DOMAIN.invalidConfig(p.detail),
} satisfies Record<string, Entry>;

export type MessageKey = keyof typeof REST_MESSAGES;

export function message(lang: Lang, key: MessageKey, params: Record<string, string> = {}): string {
  const entry: Entry = REST_MESSAGES[key];
  return (typeof entry === 'function' ? entry(params) : entry)[lang];
}

