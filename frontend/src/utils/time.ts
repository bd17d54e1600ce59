/** Dates and hours in China Standard Time (UTC+8), the day boundary of the statistics. */
const CST_MS = 8 * 3600 * 1000

/** 'YYYY-MM-DD' of an instant in CST. */
export function cstDate(iso: string | Date): string {
  const t = (typeof iso === 'string' ? new Date(iso) : iso).getTime()
  return new Date(t + CST_MS).toISOString().slice(0, 10)
}

/** 'YYYY-MM-DD HH:00' of an instant in CST. */
export function cstHour(iso: string | Date): string {
  const t = (typeof iso === 'string' ? new Date(iso) : iso).getTime()
  const s = new Date(t + CST_MS).toISOString()
  return `${s.slice(0, 10)} ${s.slice(11, 13)}:00`
}

/** Shift a 'YYYY-MM-DD' date by n days. */
export function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`)
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

/** Every CST hour label from start 00:00 to end 23:00 (inclusive dates). */
export function hoursBetween(start: string, end: string): string[] {
  const out: string[] = []
  const t0 = new Date(`${start}T00:00:00+08:00`).getTime()
  const t1 = new Date(`${end}T23:00:00+08:00`).getTime()
  for (let t = t0; t <= t1; t += 3600 * 1000) out.push(cstHour(new Date(t)))
  return out
}

export function todayCst(): string {
  return cstDate(new Date())
}

/** 'YYYY-MM-DD HH:MM' of an instant in CST (events, last-seen times). */
export function cstMinute(iso: string | Date): string {
  const t = (typeof iso === 'string' ? new Date(iso) : iso).getTime()
  return new Date(t + CST_MS).toISOString().slice(0, 16).replace('T', ' ')
}
