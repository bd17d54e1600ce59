import { markRaw } from 'vue'
import { Drizzling, MapLocation } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

const water: ModuleDef = {
  key: 'water',
  titleKey: 'menu.water',
  icon: markRaw(Drizzling),
  order: 20,
  pages: [
    {
      path: 'water/overview',
      name: 'water-overview',
      titleKey: 'menu.waterOverview',
      icon: markRaw(MapLocation),
      component: () => import('@/views/water/WaterOverview.vue'),
    },
  ],
}
export default water
