import { markRaw } from 'vue'
import { DataAnalysis, Upload, Location, PartlyCloudy } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

const air: ModuleDef = {
  key: 'air',
  titleKey: 'menu.air',
  icon: markRaw(PartlyCloudy),
  order: 10,
  pages: [
    {
      path: 'air/overview',
      name: 'air-overview',
      titleKey: 'menu.airOverview',
      icon: markRaw(DataAnalysis),
      component: () => import('@/views/air/AirOverview.vue'),
    },
    {
      path: 'air/stations/:code?',
      name: 'air-station',
      titleKey: 'station.title',
      icon: markRaw(Location),
      menu: false,
      component: () => import('@/views/air/StationView.vue'),
    },
    {
      path: 'air/import',
      name: 'air-import',
      titleKey: 'menu.airImport',
      icon: markRaw(Upload),
      // read-only and enterprise accounts get 403 from POST /air/imports
      roles: ['administrator', 'provincial_analyst', 'prefecture_officer'],
      component: () => import('@/views/air/ImportView.vue'),
    },
  ],
}
export default air
