import { api, ApiError } from './client'
import type { LatestItem, Page } from './types'

interface RegistryStation {
  id: number
  code: string
  name: string
  city: string
  region_adcode: string
  lon: number
  lat: number
}

/**
 * Latest hourly AQI of every station in scope. When the air data endpoint is absent (404) or
 * has nothing, the registry's stations are listed without data, so the map still shows them.
 */
export async function latestOrRegistry(): Promise<{ items: LatestItem[]; fromRegistry: boolean }> {
  try {
    const res = await api.get<{ items: LatestItem[] }>('/air/latest')
    if (res.items.length > 0) return { items: res.items, fromRegistry: false }
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e
  }
  const reg = await api.get<Page<RegistryStation>>('/air-stations', { limit: 1000 })
  return {
    fromRegistry: true,
    items: reg.items.map((s) => ({
      station_code: s.code,
      station_name: s.name,
      city: s.city,
      region_adcode: s.region_adcode,
      lon: s.lon,
      lat: s.lat,
      time: '',
      aqi: null,
    })),
  }
}
