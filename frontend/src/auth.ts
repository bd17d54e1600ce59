/** The signed-in user and their scope (region). */
import { computed, reactive } from 'vue'
import { api, getToken, login, setToken } from './api/client'
import type { User } from './api/types'
import { i18n } from './i18n'

export const auth = reactive<{ user: User | null; token: string | null }>({
  user: null,
  token: getToken(),
})

export const isSignedIn = computed(() => auth.token !== null)

export async function loadMe(): Promise<User> {
  const me = await api.get<User>('/users/me')
  auth.user = me
  return me
}

export async function signIn(username: string, password: string): Promise<User> {
  const token = await login(username, password)
  setToken(token)
  auth.token = token
  return loadMe()
}

export function signOut(): void {
  setToken(null)
  auth.token = null
  auth.user = null
}

/** Whether the user's role is one of `roles` (no list = everyone signed in). */
export function hasRole(roles?: readonly string[]): boolean {
  if (!roles || roles.length === 0) return true
  return auth.user !== null && roles.includes(auth.user.role)
}

/**
 * Roles that may change the registry (mirrors WRITE_ROLES of ecoguard.registry.scope; the API
 * enforces it, the dashboard only hides buttons that would be refused).
 */
export const WRITE_ROLES = ['administrator', 'prefecture_officer'] as const
export const canWrite = computed(() => auth.user !== null && (WRITE_ROLES as readonly string[]).includes(auth.user.role))

/** The scope's name for display: the region, or "all regions" for an unrestricted account. */
export const scopeName = computed(() => auth.user?.region_name ?? i18n.global.t('app.allRegions'))
