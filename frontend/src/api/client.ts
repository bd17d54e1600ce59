/**
 * Thin fetch wrapper for /api/v1: bearer token, JSON, RFC 9457 problem details as ApiError.
 */
const BASE = '/api/v1'
const TOKEN_KEY = 'ecoguard.token'

export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string | unknown
  [k: string]: unknown
}

export class ApiError extends Error {
  status: number
  problem: ProblemDetails
  constructor(status: number, problem: ProblemDetails) {
    super(ApiError.describe(status, problem))
    this.status = status
    this.problem = problem
  }

  static describe(status: number, p: ProblemDetails): string {
    const detail = typeof p.detail === 'string' ? p.detail : p.detail ? JSON.stringify(p.detail) : ''
    const title = p.title ?? `HTTP ${status}`
    return detail && detail !== title ? `${title}: ${detail}` : title
  }
}

let unauthorizedHandler: (() => void) | null = null
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY)
}
export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token)
  else sessionStorage.removeItem(TOKEN_KEY)
}

type Query = Record<string, string | number | boolean | null | undefined>

export function buildUrl(path: string, query?: Query): string {
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== null && v !== undefined && v !== '') qs.set(k, String(v))
  }
  const s = qs.toString()
  return `${BASE}${path}${s ? `?${s}` : ''}`
}

async function parseError(res: Response): Promise<ApiError> {
  let problem: ProblemDetails = { status: res.status, title: res.statusText }
  try {
    const body = (await res.json()) as ProblemDetails
    if (body && typeof body === 'object') problem = { ...problem, ...body }
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, problem)
}

export async function request<T>(
  method: string,
  path: string,
  opts: { query?: Query; json?: unknown; body?: BodyInit; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
  const token = getToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let body: BodyInit | undefined = opts.body
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.json)
  }
  const res = await fetch(buildUrl(path, opts.query), { method, headers, body, signal: opts.signal })
  if (res.status === 401 && path !== '/login/access-token') {
    setToken(null)
    unauthorizedHandler?.()
  }
  if (!res.ok) throw await parseError(res)
  if (res.status === 204) return undefined as T
  const ct = res.headers.get('content-type') ?? ''
  if (ct.includes('json')) return (await res.json()) as T
  return (await res.text()) as unknown as T
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, json?: unknown) => request<T>('POST', path, { json }),
  put: <T>(path: string, json?: unknown) => request<T>('PUT', path, { json }),
  patch: <T>(path: string, json?: unknown) => request<T>('PATCH', path, { json }),
  delete: <T>(path: string) => request<T>('DELETE', path),
}

/**
 * Multipart upload with progress (fetch has no upload progress; XHR does).
 */
export function upload<T>(
  path: string,
  form: FormData,
  onProgress?: (fraction: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', buildUrl(path))
    const token = getToken()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total)
    }
    xhr.onerror = () => reject(new ApiError(0, { title: 'Network error' }))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {
        body = null
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T)
      else {
        if (xhr.status === 401) {
          setToken(null)
          unauthorizedHandler?.()
        }
        const p = (body && typeof body === 'object' ? body : {}) as ProblemDetails
        reject(new ApiError(xhr.status, { status: xhr.status, title: xhr.statusText, ...p }))
      }
    }
    xhr.send(form)
  })
}

export async function login(username: string, password: string): Promise<string> {
  const form = new URLSearchParams()
  form.set('username', username)
  form.set('password', password)
  const res = await fetch(buildUrl('/login/access-token'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: form,
  })
  if (!res.ok) throw await parseError(res)
  const body = (await res.json()) as { access_token: string; token_type: string }
  return body.access_token
}
