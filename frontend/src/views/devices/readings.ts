/**
 * Helpers of the device readings panel: HJ 212 factor units, the data types, and the time window
 * as China Standard Time wall clock (the picker shows CST whatever the browser's time zone).
 */
import type { DeviceReading } from '@/api/domains'

/** Data types of `source_readings` (HJ 212-2017: 2011 real-time, 2051 minute, 2061 hour, 2031 day). */
export const DATA_TYPES = ['rtd', 'min', 'hour', 'day'] as const
export type DataType = (typeof DATA_TYPES)[number]

/**
 * Factors in display order with the default units of HJ 212-2017 Appendix B (Table B.1 water,
 * Table B.2 flue gas) and the unit of their Cou (volume or mass of the period).
 */
export const FACTORS: Record<string, { unit: string; cou?: string }> = {
  a00000: { unit: 'm³/s', cou: 'm³' },
  a34013: { unit: 'mg/m³', cou: 'kg' },
  a21026: { unit: 'mg/m³', cou: 'kg' },
  a21002: { unit: 'mg/m³', cou: 'kg' },
  a19001: { unit: '%' },
  a01011: { unit: 'm/s' },
  a01012: { unit: '°C' },
  a01013: { unit: 'kPa' },
  a01014: { unit: '%' },
  w00000: { unit: 'L/s', cou: 'm³' },
  w01018: { unit: 'mg/L', cou: 'kg' },
  w21003: { unit: 'mg/L', cou: 'kg' },
  w21011: { unit: 'mg/L', cou: 'kg' },
  w21001: { unit: 'mg/L', cou: 'kg' },
  w01001: { unit: '' },
}
const ORDER = new Map(Object.keys(FACTORS).map((code, i) => [code, i]))

/** Sort factor codes: known ones in the order of FACTORS, then the others by code. */
export function byFactorOrder(a: string, b: string): number {
  const ia = ORDER.get(a) ?? 999
  const ib = ORDER.get(b) ?? 999
  return ia !== ib ? ia - ib : a.localeCompare(b)
}

/** The charted value of a reading: rtd for real-time data, avg for periods. */
export function chartValue(r: DeviceReading, type: DataType): number | null {
  return type === 'rtd' ? r.rtd : r.avg
}

const CST_MS = 8 * 3600 * 1000

/** 'YYYY-MM-DD HH:mm:ss' China Standard Time wall clock of an instant. */
export function cstWall(t: number | string | Date): string {
  const ms = typeof t === 'number' ? t : new Date(t).getTime()
  return new Date(ms + CST_MS).toISOString().slice(0, 19).replace('T', ' ')
}

/** The instant of a CST wall-clock 'YYYY-MM-DD HH:mm:ss' as ISO 8601 UTC (for the API). */
export function wallToIso(wall: string): string {
  return new Date(`${wall.replace(' ', 'T')}+08:00`).toISOString()
}

/**
 * A Date whose *local* fields are the CST wall clock of `ms`: what the picker formats with
 * value-format, so its shortcuts give CST strings in any browser time zone.
 */
export function wallDate(ms: number): Date {
  const [d, h] = cstWall(ms).split(' ')
  const [y, mo, da] = d.split('-').map(Number)
  const [hh, mi, ss] = h.split(':').map(Number)
  return new Date(y, mo - 1, da, hh, mi, ss)
}

/** The window of the last `hours` hours, as CST wall-clock strings (seconds dropped). */
export function lastHours(hours: number, now = Date.now()): [string, string] {
  const end = Math.floor(now / 60000) * 60000 + 60000 // the current minute included
  return [cstWall(end - hours * 3600 * 1000), cstWall(end)]
}
