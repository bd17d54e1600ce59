import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// The build lands in the Python package (src/ecoguard/web/dist), which `ecoguard serve` mounts at `/`.
// Everything is bundled: no CDN, no online map tiles (the dashboard must work on an isolated intranet).
const outDir = fileURLToPath(new URL('../src/ecoguard/web/dist', import.meta.url))

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported on demand.
    Components({
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
      dts: 'src/components.d.ts',
    }),
  ],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element-plus'
          if (id.includes('node_modules/')) return 'vendor'
          return undefined
        },
      },
    },
  },
  server: {
    // `npm run dev` talks to a local `ecoguard serve` on port 8000.
    proxy: { '/api': 'http://127.0.0.1:8000' },
  },
})
