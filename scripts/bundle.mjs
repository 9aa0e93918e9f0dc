// Bundles the script-tag loader with the wasm-bindgen glue into one minified dist/unstuck.js,
// and the ESM entry for bundlers into dist/unstuck.mjs.
import { build } from "esbuild";

const common = { bundle: true, minify: true, target: "es2019", legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: ["js/loader.js"], format: "iife", outfile: "dist/unstuck.js" });
await build({ ...common, entryPoints: ["js/esm.js"], format: "esm", outfile: "dist/unstuck.mjs" });
