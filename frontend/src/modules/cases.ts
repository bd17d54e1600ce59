import { markRaw } from 'vue'
import { Finished, List, Tickets } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

/** Enterprise accounts see no cases (ecoguard.cases.service), so the pages are not offered to them. */
const CASE_ROLES = ['administrator', 'provincial_analyst', 'prefecture_officer', 'read_only'] as const

const cases: ModuleDef = {
  key: 'cases',
  titleKey: 'menu.cases',
  icon: markRaw(Finished),
  order: 40,
  pages: [
    {
      path: 'cases',
      name: 'cases',
      titleKey: 'menu.caseList',
      icon: markRaw(List),
      roles: CASE_ROLES,
      component: () => import('@/views/cases/CaseList.vue'),
    },
    {
      path: 'cases/:id(\\d+)',
      name: 'case-detail',
      titleKey: 'cases.case',
      icon: markRaw(Tickets),
      menu: false,
      roles: CASE_ROLES,
      component: () => import('@/views/cases/CaseDetail.vue'),
    },
  ],
}
export default cases
