/**
 * AQI levels, names and colours exactly as HJ 633 (Table 2 of HJ 633-2012 / Table 1 of HJ 633-2026;
 * the same in both rule sets).
 */
export interface AqiLevel {
  level: number
  /** upper bound of the AQI band (inclusive); Infinity for the last */
  max: number
  /** 类别 in Chinese, as printed by the standard */
  zh: string
  /** i18n key of the category */
  key: string
  color: string
}

export const AQI_LEVELS: readonly AqiLevel[] = [
  { level: 1, max: 50, zh: '优', key: 'excellent', color: '#00E400' },
  { level: 2, max: 100, zh: '良', key: 'good', color: '#FFFF00' },
  { level: 3, max: 150, zh: '轻度污染', key: 'light', color: '#FF7E00' },
  { level: 4, max: 200, zh: '中度污染', key: 'moderate', color: '#FF0000' },
  { level: 5, max: 300, zh: '重度污染', key: 'heavy', color: '#99004C' },
  { level: 6, max: Number.POSITIVE_INFINITY, zh: '严重污染', key: 'severe', color: '#7E0023' },
]

/** The colour used when AQI is missing (invalid hour/day). */
export const NO_DATA_COLOR = '#BFBFBF'

export function levelOf(aqi: number | null | undefined): AqiLevel | null {
  if (aqi === null || aqi === undefined || Number.isNaN(aqi)) return null
  return AQI_LEVELS.find((l) => aqi <= l.max) ?? AQI_LEVELS[AQI_LEVELS.length - 1]
}

/** Level from the API's `level` (1..6 or '一级'..'六级') when given, else from the AQI value. */
export function resolveLevel(aqi: number | null | undefined, level?: number | string | null): AqiLevel | null {
  if (typeof level === 'number' && level >= 1 && level <= 6) return AQI_LEVELS[level - 1]
  if (typeof level === 'string') {
    const idx = ['一级', '二级', '三级', '四级', '五级', '六级'].indexOf(level)
    if (idx >= 0) return AQI_LEVELS[idx]
    const n = Number(level)
    if (Number.isInteger(n) && n >= 1 && n <= 6) return AQI_LEVELS[n - 1]
  }
  return levelOf(aqi)
}

export function aqiColor(aqi: number | null | undefined, level?: number | string | null): string {
  return resolveLevel(aqi, level)?.color ?? NO_DATA_COLOR
}

/** Text colour readable on the level colour. */
export function textOn(color: string): string {
  return ['#00E400', '#FFFF00', '#FF7E00'].includes(color.toUpperCase()) ? '#000000' : '#FFFFFF'
}

/** ECharts visualMap pieces for AQI. */
export function aqiPieces(label: (l: AqiLevel) => string): Array<Record<string, unknown>> {
  let lo = 0
  return AQI_LEVELS.map((l) => {
    const piece: Record<string, unknown> = { min: lo, color: l.color, label: label(l) }
    if (Number.isFinite(l.max)) piece.max = l.max + 0.999
    lo = l.max + 1
    return piece
  })
}

/** Pollutant keys as the API sends them, in display order. */
export const POLLUTANTS = ['so2', 'no2', 'co', 'o3', 'pm10', 'pm2_5'] as const
export type Pollutant = (typeof POLLUTANTS)[number]

export const POLLUTANT_LABEL: Record<string, string> = {
  so2: 'SO₂',
  no2: 'NO₂',
  co: 'CO',
  o3: 'O₃',
  o3_8h: 'O₃-8h',
  o3_8h_max: 'O₃-8h',
  pm10: 'PM₁₀',
  pm2_5: 'PM₂.₅',
}

export const POLLUTANT_UNIT: Record<string, string> = {
  so2: 'μg/m³',
  no2: 'μg/m³',
  co: 'mg/m³',
  o3: 'μg/m³',
  o3_8h: 'μg/m³',
  o3_8h_max: 'μg/m³',
  pm10: 'μg/m³',
  pm2_5: 'μg/m³',
}

export function pollutantLabel(code: string): string {
  const k = code.toLowerCase().replace('.', '_').replace('pm25', 'pm2_5')
  return POLLUTANT_LABEL[k] ?? code
}

/**
 * Fewest valid values for a daily value (GB 3095-2012 Table 4 / HJ 663): 20 hourly values for a
 * 24-hour mean, 14 eight-hour values for the daily maximum 8-hour O3.
 */
export function minValidFor(key: string): number {
  return key.startsWith('o3_8h') ? 14 : 20
}
