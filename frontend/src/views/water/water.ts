/** Water page pieces: section classes as the API writes them (Ⅰ..劣Ⅴ) with the GB 3838 colours, items. */
import { WATER_CLASS_STYLE } from '@/utils/water'

export const WATER_CLASSES = (
  [
    ['Ⅰ', 'I'],
    ['Ⅱ', 'II'],
    ['Ⅲ', 'III'],
    ['Ⅳ', 'IV'],
    ['Ⅴ', 'V'],
    ['劣Ⅴ', '劣V'],
  ] as const
).map(([label, key]) => ({ label, key: WATER_CLASS_STYLE[key].key, color: WATER_CLASS_STYLE[key].color }))

export function classColor(label: string | null | undefined): string {
  return WATER_CLASSES.find((c) => c.label === label)?.color ?? '#BFBFBF'
}

export const WATER_ITEMS = [
  { code: 'nh3_n', zh: '氨氮', en: 'NH₃-N', unit: 'mg/L' },
  { code: 'codmn', zh: '高锰酸盐指数', en: 'COD_Mn', unit: 'mg/L' },
  { code: 'tp', zh: '总磷', en: 'Total P', unit: 'mg/L' },
  { code: 'do', zh: '溶解氧', en: 'Dissolved O₂', unit: 'mg/L' },
  { code: 'tn', zh: '总氮', en: 'Total N', unit: 'mg/L' },
  { code: 'ph', zh: 'pH', en: 'pH', unit: '' },
  { code: 'water_temp', zh: '水温', en: 'Water temperature', unit: '°C' },
  { code: 'conductivity', zh: '电导率', en: 'Conductivity', unit: 'μS/cm' },
  { code: 'turbidity', zh: '浊度', en: 'Turbidity', unit: 'NTU' },
] as const

export interface ClassResult {
  water_class: string | null
  class_number: number | null
  description: string | null
  colour: string | null
  deciding: string[]
  meets_target: boolean | null
  exceedances: string[]
}

export interface LatestSection extends ClassResult {
  code: string
  name: string
  water_body: string | null
  water_body_type: string
  basin: string | null
  region_adcode: string
  region_name: string
  lon: number
  lat: number
  target_class: string
  time: string | null
  time_end: string | null
  values: Record<string, number | null>
}

export interface SectionSeries {
  code: string
  name: string
  water_body_type: string
  target_class: string
  start: string
  end: string
  rules: string
  items: Array<ClassResult & { time: string; time_end: string; values: Record<string, number | null> }>
}

export interface GroupAssessment {
  name: string
  sections: number
  classified: number
  unknown_type: number
  excellent_pct: number | null
  worse_than_v_pct: number | null
  status: string | null
  status_method: string | null
  target_met_pct: number | null
  classified_last_year: number | null
  excellent_pct_last_year: number | null
  worse_than_v_pct_last_year: number | null
  status_last_year: string | null
  target_met_pct_last_year: number | null
}
