/** Colours of the zoning map: control-unit categories and the protected layers. */
export const CATEGORY_COLOR: Record<string, string> = {
  priority: '#2E7D32', // 优先保护单元
  key: '#EF6C00', // 重点管控单元
  general: '#1E88E5', // 一般管控单元
}
export const LAYER_COLOR: Record<string, string> = {
  redlines: '#C62828', // 生态保护红线
  reserves: '#6A1B9A', // 自然保护地
}
/** The API gives categories as slugs in results and as 1/2/3 (general/key/priority) in layers. */
export function categoryKey(c: unknown): string {
  const m: Record<string, string> = { '1': 'general', '2': 'key', '3': 'priority' }
  const s = String(c ?? '')
  return m[s] ?? (s in CATEGORY_COLOR ? s : 'general')
}
export const VERDICT_COLOR: Record<string, string> = {
  allowed: '#2E7D32',
  allowed_with_conditions: '#1E88E5',
  restricted: '#EF6C00',
  prohibited: '#C62828',
}
