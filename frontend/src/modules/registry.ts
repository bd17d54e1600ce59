import { markRaw } from 'vue'
import { Files, OfficeBuilding, Place, Drizzling } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

const registry: ModuleDef = {
  key: 'registry',
  titleKey: 'menu.registry',
  icon: markRaw(Files),
  order: 90,
  pages: [
    {
      path: 'registry/air-stations',
      name: 'registry-air-stations',
      titleKey: 'menu.stations',
      icon: markRaw(Place),
      component: () => import('@/views/registry/AirStations.vue'),
    },
    {
      path: 'registry/water-sections',
      name: 'registry-water-sections',
      titleKey: 'menu.sections',
      icon: markRaw(Drizzling),
      component: () => import('@/views/registry/WaterSections.vue'),
    },
    {
      path: 'registry/enterprises',
      name: 'registry-enterprises',
      titleKey: 'menu.enterprises',
      icon: markRaw(OfficeBuilding),
      component: () => import('@/views/registry/Enterprises.vue'),
    },
  ],
}
export default registry
