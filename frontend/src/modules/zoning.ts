import { markRaw } from 'vue'
import { Aim, Guide } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

const zoning: ModuleDef = {
  key: 'zoning',
  titleKey: 'menu.zoning',
  icon: markRaw(Guide),
  order: 30,
  pages: [
    {
      path: 'zoning/screen',
      name: 'zoning-screen',
      titleKey: 'menu.zoningScreen',
      icon: markRaw(Aim),
      // every signed-in account may screen (the API does not restrict it); layers are not scoped
      component: () => import('@/views/zoning/ZoningScreen.vue'),
    },
  ],
}
export default zoning
