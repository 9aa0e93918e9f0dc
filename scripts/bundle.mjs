// Bundles the script-tag loader with the wasm-bindgen glue into one minified dist/unstuck.js,
// and the ESM entry for bundlers into dist/unstuck.mjs.
import { build } from "esbuild";

const common = { bundle: true, minify: true, target: "es2019", legalComments: "none", logLevel: "warning" };
// The script tag always passes the wasm URL, so the glue's import.meta fallback is dead code.
await build({ ...common, entryPoints: ["js/loader.js"], format: "iife", outfile: "dist/unstuck.js",
  define: { "import.meta.url": "undefined" } });
// ES2020 keeps `import.meta.url`, by which the glue finds the wasm next to the module.
await build({ ...common, entryPoints: ["js/esm.js"], format: "esm", target: "es2020", outfile: "dist/unstuck.mjs" });
