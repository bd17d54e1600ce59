/**
 * Helpers of the instrument tab of the device panel: field-device information (HJ 212-2017 CN 3020,
 * codes of Appendix B.8-B.10) and the periods in which an analyser was not measuring, drawn as shaded
 * areas on the readings charts.
 */
import type { DeviceInfoItem } from '@/api/domains'

/** Instrument state (i12001): 0 running; 1 maintenance, 2 fault, 3 calibration, ... are not. */
export const STATE_INFO = 'i12001'
/** Analyser <-> logger communication state (i12002): 0 normal, 1 abnormal. */
export const COMMS_INFO = 'i12002'
/** Instrument log (i11001), sent as //text//. */
export const LOG_INFO = 'i11001'

/** States of i12001 (HJ 212-2017 Appendix B.9) with an i18n name under devices.instrument.state. */
export const STATES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10] as const

/** Shading colour of a state on the charts (translucent); maintenance amber, calibration blue, faults red. */
export function stateColor(state: number): string {
  if (state === 1 || state === 10) return 'rgba(230, 162, 60, 0.22)'
  if (state === 3 || state === 8) return 'rgba(64, 158, 255, 0.18)'
  if (state === 2 || state === 6) return 'rgba(245, 108, 108, 0.22)'
  return 'rgba(144, 147, 153, 0.2)'
}

/** Tag type of a state in the table. */
export function stateTag(state: number): 'success' | 'warning' | 'danger' | 'info' | 'primary' {
  if (state === 0 || state === 7) return 'success'
  if (state === 1 || state === 10) return 'warning'
  if (state === 3 || state === 8) return 'primary'
  if (state === 2 || state === 6) return 'danger'
  return 'info'
}

/** A stretch in which the analyser `pol` was in state `state` (not 0); instants in ms. */
export interface StatePeriod {
  pol: string
  state: number
  start: number
  end: number
}

function ms(iso: string | null): number {
  return iso ? new Date(iso).getTime() : NaN
}

/**
 * The periods in which an analyser's state (i12001) was not 0, clipped to [from, to): a period runs
 * from a non-zero state to the analyser's next different state; one still open ends at `to`. `items` may
 * start before `from` (so that a period that began before the window is known).
 */
export function statePeriods(items: DeviceInfoItem[], from: number, to: number): StatePeriod[] {
  const byPol = new Map<string, Array<{ t: number; state: number }>>()
  for (const it of items) {
    if (it.info_id !== STATE_INFO || it.number === null || !it.pol_id) continue
    const t = ms(it.data_time_utc)
    if (Number.isNaN(t)) continue
    const list = byPol.get(it.pol_id) ?? []
    list.push({ t, state: Math.round(it.number) })
    byPol.set(it.pol_id, list)
  }
  const out: StatePeriod[] = []
  for (const [pol, all] of byPol) {
    all.sort((a, b) => a.t - b.t)
    // a state reported again (the span step of a calibration) goes on: one period
    const list = all.filter((c, i) => i === 0 || c.state !== all[i - 1].state)
    list.forEach((c, i) => {
      if (c.state === 0) return
      const end = i + 1 < list.length ? list[i + 1].t : to
      const s = Math.max(c.t, from)
      const e = Math.min(end, to)
      if (e > s) out.push({ pol, state: c.state, start: s, end: e })
    })
  }
  return out.sort((a, b) => a.start - b.start)
}

/** Items whose data time is in [from, to), latest first (items of one upload keep their order). */
export function infoRows(items: DeviceInfoItem[], from: number, to: number): DeviceInfoItem[] {
  return items
    .filter((it) => {
      const t = ms(it.data_time_utc)
      return t >= from && t < to
    })
    .sort((a, b) => ms(b.data_time_utc) - ms(a.data_time_utc))
}
