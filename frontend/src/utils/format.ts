/**
 * Number formatting shared by pages. Rounding is half to even on the decimal value (GB/T 8170),
 * as the API rounds: 90.25 -> 90.2, 90.35 -> 90.4; binary noise (90.25000000000001) is removed
 * first.
 */
export function roundHalfEven(v: number, digits: number): string {
  const clean = Number(v.toPrecision(12))
  const scale = 10 ** digits
  const m = Number((clean * scale).toPrecision(12))
  const fl = Math.floor(m)
  const diff = m - fl
  let r: number
  if (Math.abs(diff - 0.5) < 1e-9) r = fl % 2 === 0 ? fl : fl + 1
  else r = Math.round(m)
  return (r / scale).toFixed(digits)
}

export function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  return roundHalfEven(v, digits)
}

/** A share given as a fraction (0..1) or a percentage (0..100), shown as a percentage. */
export function pct(v: number | null | undefined, digits = 1): string {
  const p = asPercent(v)
  return p === null ? '—' : `${roundHalfEven(p, digits)}%`
}

export function asPercent(v: number | null | undefined): number | null {
  if (v === null || v === undefined || Number.isNaN(v)) return null
  return v <= 1 ? Number((v * 100).toPrecision(12)) : v
}
