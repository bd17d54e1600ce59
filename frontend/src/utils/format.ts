/** Number formatting shared by pages. */
export function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return v.toFixed(digits)
}

/** A share given as a fraction (0..1) or a percentage (0..100), shown as a percentage. */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  const p = v <= 1 ? v * 100 : v
  return `${p.toFixed(digits)}%`
}

export function asPercent(v: number | null | undefined): number | null {
  if (v === null || v === undefined || Number.isNaN(v)) return null
  return v <= 1 ? v * 100 : v
}
