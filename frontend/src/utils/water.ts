/**
 * GB 3838-2002 section classes with the qualitative description and display colour used by the
 * API (ecoguard.standards.gb3838.CLASS_STYLE: 环办〔2011〕22号 Table 2 colour names; the hex values
 * are the project's choice for those names).
 */
export interface WaterClassStyle {
  key: string
  zh: string
  color: string
}

export const WATER_CLASS_STYLE: Record<string, WaterClassStyle> = {
  I: { key: 'excellent', zh: '优', color: '#1E88E5' },
  II: { key: 'excellent', zh: '优', color: '#1E88E5' },
  III: { key: 'good', zh: '良好', color: '#43A047' },
  IV: { key: 'light', zh: '轻度污染', color: '#FDD835' },
  V: { key: 'moderate', zh: '中度污染', color: '#FB8C00' },
  劣V: { key: 'heavy', zh: '重度污染', color: '#E53935' },
}
