import type { Component } from 'vue'
import type { RouteComponent, RouteRecordRaw } from 'vue-router'

/**
 * One page of the dashboard. A page with `menu: false` is routable but not listed (e.g. a detail page).
 */
export interface PageDef {
  /** path below the shell, without leading slash, e.g. 'air/overview' or 'air/stations/:code' */
  path: string
  /** unique route name */
  name: string
  /** i18n key of the menu entry and page title */
  titleKey: string
  component: () => Promise<RouteComponent | { default: RouteComponent }>
  icon?: Component
  menu?: boolean
  /** roles allowed to open the page; omitted = every signed-in user */
  roles?: readonly string[]
  /** extra route props (RouteRecordRaw['props']) */
  props?: RouteRecordRaw['props']
}

/** A menu group: one domain (air, registry; later gateway, zoning, cases, water ...). */
export interface ModuleDef {
  key: string
  titleKey: string
  icon?: Component
  /** lower comes first in the menu */
  order: number
  pages: PageDef[]
}
