/** Shapes of the /api/v1 responses the dashboard reads. */
export interface User {
  id: number | string
  username: string
  full_name?: string | null
  role: string
  /** null for accounts without a region limit (administrators) */
  region_adcode: string | null
  region_name: string | null
  region_level?: string | null
  enterprise_id?: number | null
}

export interface Page<T> {
  items: T[]
  total: number
  limit: number
  offset: number
}

export type Conc = Partial<Record<string, number | null>>

export interface LatestItem {
  station_code: string
  station_name: string
  city?: string | null
  region_adcode?: string | null
  lon: number
  lat: number
  time: string
  aqi: number | null
  level?: number | string | null
  category?: string | null
  color?: string | null
  primary_pollutants?: string[] | null
  iaqi?: Conc
  conc?: Conc
}

export interface HourlyItem {
  time: string
  aqi: number | null
  level?: number | string | null
  primary_pollutants?: string[] | null
  conc?: Conc
  iaqi?: Conc
}

export interface DailyItem {
  date: string
  code: string
  name?: string | null
  aqi: number | null
  level?: number | string | null
  primary_pollutants?: string[] | null
  conc?: Conc
  valid_hours?: Partial<Record<string, number | null>>
}

export interface RankingItem {
  city: string
  adcode?: string | null
  composite_index: number | null
  pm2_5: number | null
  good_day_share: number | null
  rank: number | null
}

export interface PeriodSummary {
  good_day_share: number | null
  pm2_5: number | null
  days?: number | null
  start?: string | null
  end?: string | null
}

export interface Summary {
  current: PeriodSummary
  previous: PeriodSummary
}

export interface ImportError {
  file?: string | null
  row?: number | string | null
  field?: string | null
  rule?: string | null
  message?: string | null
  value?: unknown
}

export interface ImportResult {
  files?: number
  rows: number
  inserted?: number
  duplicates?: number
  failed_files?: string[]
  stations?: number
  days?: number
  rejected: number
  errors: ImportError[]
}

export interface GeoFeatureCollection {
  type: 'FeatureCollection'
  features: Array<{
    type: 'Feature'
    properties: { adcode: string | number; name: string; [k: string]: unknown }
    geometry: unknown
  }>
  [k: string]: unknown
}
