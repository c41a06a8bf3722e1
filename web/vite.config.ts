import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/**
 * The dashboard is a pure static bundle: the Worker serves `web/dist` as its
 * assets (SPA fallback) and Pages can host it unchanged. API calls are
 * relative, so the hub must answer on the same origin.
 */
export default defineConfig({
  plugins: [preact()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Vite's modulepreload polyfill is an inline-free module, but modern browsers do not need it.
    modulePreload: { polyfill: false },
  },
  server: {
    // `npm run dev -w web` against a local hub (`wrangler dev` on 8787).
    proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } },
  },
});
