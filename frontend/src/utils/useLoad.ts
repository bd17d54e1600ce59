import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { ApiError } from '@/api/client'
import { i18n } from '@/i18n'

/** State of one asynchronous load: each section of a page loads and fails on its own. */
export function useLoad<T, A extends unknown[] = []>(
  fn: (...args: A) => Promise<T>,
): { data: ShallowRef<T | null>; error: Ref<string>; loading: Ref<boolean>; run: (...args: A) => Promise<T | null> } {
  const data = shallowRef<T | null>(null)
  const error = ref('')
  const loading = ref(false)
  let seq = 0
  async function run(...args: A): Promise<T | null> {
    const my = ++seq
    loading.value = true
    error.value = ''
    try {
      const v = await fn(...args)
      if (my === seq) data.value = v
      return v
    } catch (e) {
      if (my === seq) {
        error.value =
          e instanceof ApiError && e.status === 404 && e.problem.detail === 'no such API endpoint'
            ? `${i18n.global.t('app.endpointMissing')} (${e.problem.instance ?? ''})`
            : (e as Error).message || String(e)
        data.value = null
      }
      return null
    } finally {
      if (my === seq) loading.value = false
    }
  }
  return { data, error, loading, run }
}
