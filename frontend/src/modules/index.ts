/**
 * The dashboard's modules. To add a domain (gateway devices, zoning, cases, water ...):
 * write `src/modules/<domain>.ts` exporting a ModuleDef, its views under `src/views/<domain>/`,
 * its menu strings under `menu.*` in both i18n files, and list it here. The shell builds the
 * menu and the routes from this list; nothing else changes.
 */
import air from './air'
import registry from './registry'
import water from './water'
import zoning from './zoning'
import cases from './cases'
import devices from './devices'
import type { ModuleDef } from './types'

export const MODULES: ModuleDef[] = [air, water, zoning, cases, devices, registry].sort((a, b) => a.order - b.order)

/** First page a user lands on after signing in. */
export const HOME_ROUTE = 'air-overview'
