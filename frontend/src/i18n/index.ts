import { createI18n } from 'vue-i18n'
import { ref } from 'vue'
import zhCN from './zh-CN'
import en from './en'

export type Locale = 'zh-CN' | 'en'
export const LOCALES: Array<{ value: Locale; label: string }> = [
  { value: 'zh-CN', label: '简体中文' },
  { value: 'en', label: 'English' },
]
const KEY = 'ecoguard.locale'

function initialLocale(): Locale {
  const saved = localStorage.getItem(KEY)
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN' // Chinese first, whatever the browser says
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
})

/** Reactive mirror of the current locale, for non-component code (charts, Element Plus locale). */
export const currentLocale = ref<Locale>(i18n.global.locale.value as Locale)

export function setLocale(l: Locale): void {
  i18n.global.locale.value = l
  currentLocale.value = l
  localStorage.setItem(KEY, l)
  document.documentElement.lang = l
}
document.documentElement.lang = currentLocale.value
