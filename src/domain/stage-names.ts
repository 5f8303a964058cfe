/**
 * Science-core stages in the web API's vocabulary (its examples use `data_validation` and `report_generation`).
 * Both progress and failures use these names.
 */
const STAGE_NAMES: Record<string, string> = {
  upload: 'upload',
  input: 'data_loading',
  config: 'config_loading',
  validation: 'data_validation',
  course: 'preprocessing',
  background: 'background_correction',
  curtain: 'spatial_projection',
  spiral: 'spatial_projection',
  flux: 'flux_calculation',
  variogram: 'interpolation',
  kriging: 'interpolation',
  statistics: 'statistics',
  report: 'report_generation',
  output: 'report_generation',
};

export function apiStageName(stage: string): string {
  return STAGE_NAMES[stage] ?? stage;
}

/** Human messages for the task while it is processing, per API stage. */
export const STAGE_MESSAGES: Record<string, { zh: string; en: string }> = {
  data_loading: { zh: '正在读取数据文件...', en: 'Reading the data file...' },
  data_validation: { zh: '正在验证数据...', en: 'Validating the data...' },
  preprocessing: { zh: '正在预处理数据...', en: 'Preprocessing the data...' },
  background_correction: { zh: '正在进行背景校正...', en: 'Correcting the background...' },
  spatial_projection: { zh: '正在进行空间投影...', en: 'Projecting onto the flux plane...' },
  interpolation: { zh: '正在进行克里金插值...', en: 'Kriging the flux field...' },
  statistics: { zh: '正在计算统计量...', en: 'Computing statistics...' },
  report_generation: { zh: 'GasFlux 分析完成,正在生成报告...', en: 'GasFlux analysis done, generating reports...' },
};
