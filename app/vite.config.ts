// The members' app is built to dist/ and served by `distributor serve --app-dir app/dist`.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // One origin, no inline scripts: the server's content security policy allows 'self' only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
  },
  define: {
    // @solana/web3.js 1.x reads `process.env` in a few places.
    "process.env": {},
  },
});
