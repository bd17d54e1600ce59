import { markRaw } from 'vue'
import { Connection, Monitor } from '@element-plus/icons-vue'
import type { ModuleDef } from './types'

const devices: ModuleDef = {
  key: 'devices',
  titleKey: 'menu.devices',
  icon: markRaw(Monitor),
  order: 50,
  pages: [
    {
      path: 'devices',
      name: 'devices',
      titleKey: 'menu.deviceList',
      icon: markRaw(Connection),
      component: () => import('@/views/devices/DeviceList.vue'),
    },
  ],
}
export default devices
