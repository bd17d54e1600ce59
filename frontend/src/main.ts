import { createApp } from 'vue'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { getToken } from './api/client'
// Styles of the Element Plus services used from script (components get theirs on demand).
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import './style.css'

// Signed in already (a reload): fetch the shell and the home page's code while /users/me is asked.
if (getToken()) {
  void import('./views/ShellLayout.vue')
  if (location.pathname === '/' || location.pathname.startsWith('/air/overview')) void import('./views/air/AirOverview.vue')
}

createApp(App).use(router).use(i18n).mount('#app')
