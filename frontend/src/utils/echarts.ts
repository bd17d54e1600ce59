/**
 * ECharts, imported module by module (keeps the bundle small). SVG renderer: no WebGL, degrades well on
 * office PCs, and the drawn marks are inspectable in the DOM.
 */
import * as echarts from 'echarts/core'
import { BarChart, CustomChart, HeatmapChart, LineChart, MapChart, ScatterChart } from 'echarts/charts'
import {
  CalendarComponent,
  DataZoomComponent,
  GeoComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
import type { GeoFeatureCollection } from '@/api/types'

echarts.use([
  BarChart,
  CustomChart,
  HeatmapChart,
  LineChart,
  MapChart,
  ScatterChart,
  CalendarComponent,
  DataZoomComponent,
  GeoComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
])

/** Register the caller's region boundaries (served by the API) as an ECharts map; returns its name. */
export function registerScopeMap(name: string, geo: GeoFeatureCollection): string {
  // ECharts reads `properties.name`; keep adcode for lookups.
  echarts.registerMap(name, geo as unknown as Parameters<typeof echarts.registerMap>[1])
  return name
}

export { echarts }
