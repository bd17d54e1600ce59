import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { MODULES, HOME_ROUTE } from '@/modules'
import { auth, hasRole, loadMe, signOut } from '@/auth'
import { onUnauthorized } from '@/api/client'

const shellChildren: RouteRecordRaw[] = MODULES.flatMap((m) =>
  m.pages.map(
    (p) =>
      ({
        path: p.path,
        name: p.name,
        component: p.component,
        props: p.props ?? true,
        meta: { titleKey: p.titleKey, roles: p.roles, module: m.key },
      }) as RouteRecordRaw,
  ),
)

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('@/views/LoginView.vue'), meta: { public: true } },
  {
    path: '/',
    component: () => import('@/views/ShellLayout.vue'),
    children: [
      { path: '', redirect: { name: HOME_ROUTE } },
      ...shellChildren,
      { path: 'forbidden', name: 'forbidden', component: () => import('@/views/ForbiddenView.vue') },
      { path: ':rest(.*)*', name: 'not-found', component: () => import('@/views/NotFoundView.vue') },
    ],
  },
]

export const router = createRouter({ history: createWebHistory('/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!auth.token) return { name: 'login', query: { redirect: to.fullPath } }
  if (!auth.user) {
    try {
      await loadMe()
    } catch {
      signOut()
      return { name: 'login', query: { redirect: to.fullPath } }
    }
  }
  const roles = to.meta.roles as readonly string[] | undefined
  if (!hasRole(roles)) return { name: 'forbidden' }
  return true
})

onUnauthorized(() => {
  signOut()
  const cur = router.currentRoute.value
  if (cur.name !== 'login') void router.push({ name: 'login', query: { redirect: cur.fullPath } })
})
