/** Shared pieces of the case pages: the case-type definitions (cached), due-status colours. */
import { api } from '@/api/client'
import type { CaseTypeInfo } from '@/api/domains'

let types: Promise<CaseTypeInfo[]> | null = null
export function caseTypes(): Promise<CaseTypeInfo[]> {
  if (!types) types = api.get<CaseTypeInfo[]>('/cases/types').catch((e) => {
    types = null
    throw e
  })
  return types
}

export const DUE_TAG: Record<string, 'danger' | 'warning' | 'success' | 'info'> = {
  overdue: 'danger',
  due_soon: 'warning',
  on_track: 'success',
  none: 'info',
}
export const DUE_COLOR: Record<string, string> = {
  overdue: '#C62828',
  due_soon: '#EF6C00',
  on_track: '#2E7D32',
  none: '#78909C',
}

/** Roles that may comment and attach files (CONTRIBUTORS of ecoguard.cases.service). */
export const CONTRIBUTOR_ROLES = ['administrator', 'provincial_analyst', 'prefecture_officer']

let names: Promise<Map<string, string>> | null = null
/** Names of the regions in scope by adcode (cached; empty when the list cannot be read). */
export function regionNames(): Promise<Map<string, string>> {
  if (!names)
    names = api
      .get<{ items: Array<{ adcode: string; name: string }> }>('/regions', { limit: 1000 })
      .then((p) => new Map(p.items.map((r) => [r.adcode, r.name])))
      .catch(() => {
        names = null
        return new Map<string, string>()
      })
  return names
}
