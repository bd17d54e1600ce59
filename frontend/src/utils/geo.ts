/**
 * Small geometry helpers for maps drawn on the ECharts `geo` component (no tiles): WKT and GeoJSON
 * to drawable parts, bounding boxes, and a `custom` series that draws polygons and lines in lon/lat.
 */
export type Coord = [number, number]
export interface Part {
  kind: 'point' | 'line' | 'polygon'
  coords: Coord[]
}

function ring(text: string): Coord[] {
  return text
    .split(',')
    .map((p) => p.trim().split(/\s+/).map(Number))
    .filter((p) => p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]))
    .map((p) => [p[0], p[1]] as Coord)
}

/** Parts of a WKT geometry (POINT, LINESTRING, POLYGON, their MULTI forms, collections). */
export function wktParts(wkt: string): Part[] {
  const out: Part[] = []
  const re = /(MULTIPOINT|POINT|MULTILINESTRING|LINESTRING|MULTIPOLYGON|POLYGON)\s*(Z|M|ZM)?\s*(\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\))/gi
  let m: RegExpExecArray | null
  while ((m = re.exec(wkt)) !== null) {
    const type = m[1].toUpperCase()
    const body = m[3]
    const groups = [...body.matchAll(/\(([^()]+)\)/g)].map((g) => ring(g[1]))
    if (type === 'POINT' || type === 'MULTIPOINT') {
      for (const g of groups) for (const c of g) out.push({ kind: 'point', coords: [c] })
    } else if (type.endsWith('LINESTRING')) {
      for (const g of groups) out.push({ kind: 'line', coords: g })
    } else {
      // outer rings and holes alike are drawn as outlines of the same fill (holes are rare here)
      for (const g of groups) out.push({ kind: 'polygon', coords: g })
    }
  }
  return out
}

/** Parts of a GeoJSON geometry. */
export function geojsonParts(g: { type: string; coordinates?: unknown; geometries?: unknown[] } | null | undefined): Part[] {
  if (!g) return []
  const c = g.coordinates as never
  switch (g.type) {
    case 'Point':
      return [{ kind: 'point', coords: [c as Coord] }]
    case 'MultiPoint':
      return (c as Coord[]).map((p) => ({ kind: 'point', coords: [p] }))
    case 'LineString':
      return [{ kind: 'line', coords: c as Coord[] }]
    case 'MultiLineString':
      return (c as Coord[][]).map((l) => ({ kind: 'line', coords: l }))
    case 'Polygon':
      return (c as Coord[][]).slice(0, 1).map((r) => ({ kind: 'polygon', coords: r }))
    case 'MultiPolygon':
      return (c as Coord[][][]).map((p) => ({ kind: 'polygon', coords: p[0] }))
    case 'GeometryCollection':
      return ((g.geometries ?? []) as Array<{ type: string }>).flatMap((x) => geojsonParts(x))
    default:
      return []
  }
}

export function bboxOf(parts: Part[]): [number, number, number, number] | null {
  let x0 = Infinity
  let y0 = Infinity
  let x1 = -Infinity
  let y1 = -Infinity
  for (const p of parts)
    for (const [x, y] of p.coords) {
      x0 = Math.min(x0, x)
      y0 = Math.min(y0, y)
      x1 = Math.max(x1, x)
      y1 = Math.max(y1, y)
    }
  return Number.isFinite(x0) ? [x0, y0, x1, y1] : null
}

export interface Shape {
  parts: Part[]
  name: string
  fill: string
  stroke: string
  /** fill opacity */
  opacity?: number
  lineWidth?: number
  lineDash?: number[]
  [k: string]: unknown
}

/**
 * An ECharts `custom` series drawing the shapes' polygons and lines on geo 0 (points are left to
 * scatter series). Each shape is one data item, so tooltips and clicks name it.
 */
export function shapeSeries(name: string, shapes: Shape[], z = 3): Record<string, unknown> {
  const drawable = shapes.filter((s) => s.parts.some((p) => p.kind !== 'point'))
  return {
    type: 'custom',
    name,
    coordinateSystem: 'geo',
    geoIndex: 0,
    z,
    data: drawable.map((s) => {
      const first = s.parts.find((p) => p.kind !== 'point')?.coords[0] ?? [0, 0]
      return { name: s.name, value: [first[0], first[1]], shape: s }
    }),
    renderItem: (
      params: { dataIndex: number },
      api: { coord: (c: number[]) => number[] },
    ): Record<string, unknown> => {
      const s = drawable[params.dataIndex]
      return {
        type: 'group',
        children: s.parts
          .filter((p) => p.kind !== 'point')
          .map((p) => ({
            type: p.kind === 'polygon' ? 'polygon' : 'polyline',
            shape: { points: p.coords.map((c) => api.coord(c)) },
            style:
              p.kind === 'polygon'
                ? { fill: s.fill, opacity: 1, fillOpacity: s.opacity ?? 0.35, stroke: s.stroke, lineWidth: s.lineWidth ?? 1, lineDash: s.lineDash }
                : { fill: 'none', stroke: s.stroke, lineWidth: s.lineWidth ?? 2.5, lineDash: s.lineDash },
          })),
      }
    },
  }
}

/** Parse pasted coordinates: GeoJSON (geometry, Feature or FeatureCollection's first), WKT, or
 * "lon,lat" / "lon lat" pairs one a line (or separated by ';'). */
export function parsePasted(
  text: string,
  mode: 'point' | 'line' | 'polygon',
): { geometry?: Record<string, unknown>; wkt?: string; coords?: Coord[] } | null {
  const s = text.trim()
  if (!s) return null
  if (s.startsWith('{')) {
    const j = JSON.parse(s) as Record<string, unknown>
    if (j.type === 'FeatureCollection') {
      const f = (j.features as Array<Record<string, unknown>>)[0]
      return f ? { geometry: f.geometry as Record<string, unknown> } : null
    }
    if (j.type === 'Feature') return { geometry: j.geometry as Record<string, unknown> }
    return { geometry: j }
  }
  if (/^[a-z]/i.test(s)) return { wkt: s }
  const coords = s
    .split(/[\n;]+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/[\s,，]+/).map(Number))
    .filter((p) => p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]))
    .map((p) => [p[0], p[1]] as Coord)
  if (coords.length === 0) return null
  return { coords, geometry: geometryOf(mode, coords) ?? undefined }
}

/** GeoJSON geometry of vertices in a drawing mode (null when too few). */
export function geometryOf(mode: 'point' | 'line' | 'polygon', v: Coord[]): Record<string, unknown> | null {
  if (mode === 'point') return v.length ? { type: 'Point', coordinates: v[v.length - 1] } : null
  if (mode === 'line') return v.length >= 2 ? { type: 'LineString', coordinates: v } : null
  if (v.length < 3) return null
  return { type: 'Polygon', coordinates: [[...v, v[0]]] }
}
