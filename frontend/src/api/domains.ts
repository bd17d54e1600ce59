/** Shapes of /api/v1/zoning, /cases, /devices and /water responses the dashboard reads. */
import { api, buildUrl, getToken, ApiError, type ProblemDetails } from './client'

// --- zoning (三线一单) -------------------------------------------------------------------------

export type Verdict = 'allowed' | 'allowed_with_conditions' | 'restricted' | 'prohibited'

export interface ProjectIn {
  project_id?: string
  name?: string
  geometry?: Record<string, unknown>
  wkt?: string
  industry?: string
  capacity?: number | null
  emissions?: Record<string, number>
  flags?: string[]
}

export interface ZoningUnit {
  code: string
  name: string
  category: string
  element: string
  region: string
  admin_code: string
  relation: string
  applied: boolean
  tie_break: boolean
  overlap_m2: number
  overlap_ha: number
  overlap_m: number
  share: number
}

export interface ZoningProtected {
  layer: string
  code: string
  name: string
  zone: string
  relation: string
  overlap_m2: number
  overlap_ha: number
  overlap_m: number
  share: number
  verdict: Verdict
  reason: string
}

export interface ZoningRule {
  rule_id: string
  level: string
  scope: string
  dimension: string
  effect: string
  text: string
  source: string
  via_units: string[]
  verdict: Verdict
  reasons: string[]
}

export interface Screening {
  project_id: string
  name: string
  industry: string
  flags: string[]
  geometry_wkt: string
  area_m2: number
  length_m: number
  verdict: Verdict
  verdict_zh: string
  reasons: string[]
  units: ZoningUnit[]
  protected: ZoningProtected[]
  rules: ZoningRule[]
  geos_version: string
  data_versions: Record<string, string>
  disclaimer: string
}

export interface BatchFileOut {
  results: Screening[]
  issues: Array<{ source: string; feature: string; field: string; rule: string; message: string }>
}

export interface LayerFeature {
  type: 'Feature'
  properties: Record<string, unknown> & { code?: string; name?: string }
  geometry: { type: string; coordinates: unknown }
}

export interface LayerCollection {
  type: 'FeatureCollection'
  version?: string
  features: LayerFeature[]
}

// --- cases (督察整改 / 图斑) ---------------------------------------------------------------------

export type DueStatus = 'none' | 'on_track' | 'due_soon' | 'overdue'

export interface CaseSummary {
  id: number
  case_type: string
  reference: string
  title: string
  region_adcode: string
  state: string
  state_label: string
  batch: string | null
  deadline: string | null
  due: DueStatus
  assignee_unit: string | null
  assignee_user_id: number | null
  relapse_count: number
  lookback_due: string | null
  area_ha: number | null
  version: number
  updated_at: string
}

export interface CaseEvent {
  id: number
  at: string
  kind: string
  transition: string | null
  from_state: string | null
  to_state: string | null
  actor: string
  actor_role: string
  payload: Record<string, unknown>
}

export interface CaseComment {
  id: number
  at: string
  author: string
  body: string
}

export interface CaseAttachment {
  id: number
  filename: string
  content_type: string
  size: number
  kind: string
  sha256: string
  at: string
  uploaded_by: string
}

export interface FieldInfo {
  name: string
  kind: string
  label: string
  required: boolean
}

export interface TransitionOption {
  name: string
  label: string
  target: string
  fields: FieldInfo[]
  allowed: boolean
  blocked_by: string[]
}

export interface CaseDetail extends CaseSummary {
  details: Record<string, unknown>
  geometry: Record<string, unknown> | null
  timeline: CaseEvent[]
  comments: CaseComment[]
  attachments: CaseAttachment[]
  transitions: TransitionOption[]
}

export interface CaseTypeInfo {
  case_type: string
  label: string
  states: Record<string, string>
  initial: string
  open_states: string[]
  creators: string[]
  transitions: Array<{
    name: string
    label: string
    sources: string[]
    target: string
    roles: string[]
    fields: FieldInfo[]
    guards: string[]
  }>
}

// --- devices -----------------------------------------------------------------------------------

export interface Device {
  id: number
  mn: string
  outlet_id: number | null
  enterprise_id: number
  protocol: string
  description: string | null
  last_seen: string | null
  connection_state: 'unknown' | 'online' | 'offline'
  created_at: string
  updated_at: string
}

export interface Outlet {
  id: number
  code: string
  name: string
  medium: string
  emission_standard: string
  enterprise_id: number
  lon: number | null
  lat: number | null
}

export interface Enterprise {
  id: number
  uscc: string
  name: string
  industry_code: string | null
  region_adcode: string
}

/** One stored reading of a data logger (`source_readings`); times with +08:00 offsets. */
export interface DeviceReading {
  mn: string
  parameter: string
  source_code: string | null
  /** rtd (real-time), min, hour, day */
  data_type: string
  /** start of the interval (HJ 212 DataTime); the sampling instant for real-time data */
  data_time_utc: string
  interval_end_utc: string | null
  rtd: number | null
  avg: number | null
  min: number | null
  max: number | null
  cou: number | null
  zs_rtd: number | null
  zs_avg: number | null
  flag: string | null
  cn: string | null
  version: string | null
  reupload: boolean | null
  received_at_utc: string | null
}

/** One packet the gateway refused from a device, with the reason code, field and rule. */
export interface DeviceRefusal {
  received_at_utc: string
  mn: string | null
  st: string | null
  cn: string | null
  version: string | null
  reason: string
  field: string | null
  rule: string | null
  offset: number | null
  raw: string | null
  peer: string | null
}

/**
 * One item of field-device information a logger uploaded (HJ 212 CN 3020, `gateway_device_info`):
 * an instrument log line (i11001), state (i12001), analyser comms (i12002) or parameter (i13xxx) of
 * the analyser `pol_id`; times with +08:00 offsets.
 */
export interface DeviceInfoItem {
  data_time_utc: string | null
  pol_id: string | null
  info_id: string
  /** as sent (a log line without its `//`) */
  value: string | null
  /** the value when it is a number (states, parameters) */
  number: number | null
  received_at_utc: string | null
}

export interface DeviceWindow<T> {
  mn: string
  start: string
  end: string
  items: T[]
}

/** Largest `limit` the device data endpoints accept; the latest rows of the window are returned. */
export const DEVICE_ROWS_LIMIT = 5000

/** Readings of a device in a window; of one data type (rtd, min, hour, day, alarm) when given. */
export function deviceReadings(mn: string, start: string, end: string, signal?: AbortSignal, dataType?: string) {
  return api.get<DeviceWindow<DeviceReading>>(
    `/devices/${encodeURIComponent(mn)}/readings`,
    { start, end, limit: DEVICE_ROWS_LIMIT, data_type: dataType },
    signal,
  )
}

export function deviceRefusals(mn: string, start: string, end: string, signal?: AbortSignal) {
  return api.get<DeviceWindow<DeviceRefusal>>(
    `/devices/${encodeURIComponent(mn)}/refusals`,
    { start, end, limit: DEVICE_ROWS_LIMIT },
    signal,
  )
}

export function deviceInfo(mn: string, start: string, end: string, signal?: AbortSignal) {
  return api.get<DeviceWindow<DeviceInfoItem>>(
    `/devices/${encodeURIComponent(mn)}/info`,
    { start, end, limit: DEVICE_ROWS_LIMIT },
    signal,
  )
}

/** POST JSON and receive a file (e.g. the Word report); returns the blob and the file name. */
export async function postForBlob(path: string, json: unknown): Promise<{ blob: Blob; filename: string }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  const res = await fetch(buildUrl(path), { method: 'POST', headers, body: JSON.stringify(json) })
  if (!res.ok) {
    let problem: ProblemDetails = { status: res.status, title: res.statusText }
    try {
      problem = { ...problem, ...((await res.json()) as ProblemDetails) }
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, problem)
  }
  const cd = res.headers.get('content-disposition') ?? ''
  const m = /filename="?([^";]+)"?/.exec(cd)
  return { blob: await res.blob(), filename: m ? m[1] : 'download' }
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
