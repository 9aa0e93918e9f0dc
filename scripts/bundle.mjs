// Bundles the script-tag loader with the wasm-bindgen glue into one minified dist/unstuck.js,
// and the ESM entry for bundlers into dist/unstuck.mjs.
//
// scripts/build.sh has shortened the wasm's import, export and module names (wasm-opt
// --minify-imports-and-exports-and-modules: wasm-bindgen's names carry a 16-hex-digit hash each,
// incompressible bytes twice, in the wasm and in the glue). The map it printed,
// target/glue/names.json, is applied to the glue here; any name the glue uses that the map
// does not know fails the build rather than a page at run time.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const GLUE = resolve("target/glue/unstuck.js");

function renamed() {
  const names = JSON.parse(readFileSync("target/glue/names.json", "utf8"));
  const wasm = new WebAssembly.Module(readFileSync("dist/unstuck_bg.wasm"));
  const moduleOf = new Map(WebAssembly.Module.imports(wasm).map((i) => [i.name, i.module]));
  let glue = readFileSync(GLUE, "utf8");
  const fail = (what) => {
    throw new Error(`bundle: ${what} (has the wasm-bindgen glue changed?)`);
  };

  // Imports the glue defines itself: the keys of its `import0` object.
  const own = new Map();
  const snippets = []; // [new name, glue expression]
  const vars = new Map(); // snippet module -> the glue's `import * as importN` name
  for (const [, v, m] of glue.matchAll(/^import \* as (\w+) from "([^"]+)"/gm)) vars.set(m, v);
  for (const [module, name, short] of names.imports) {
    if (module === "./unstuck_bg.js") own.set(name, short);
    else if (vars.has(module)) snippets.push([short, `${vars.get(module)}.${name}`]);
    else fail(`no glue import for module ${module}`);
  }
  let seen = 0;
  glue = glue.replace(/^(\s+)(\w+): function/gm, (all, indent, name) => {
    if (!own.has(name)) fail(`import ${name} is not in the name map`);
    seen++;
    return `${indent}${own.get(name)}: function`;
  });
  if (seen !== own.size) fail(`${own.size} imports mapped, ${seen} found in the glue`);

  // One import object: the wasm now names a single module.
  const modules = new Set(moduleOf.values());
  if (modules.size !== 1) fail(`the wasm imports from ${modules.size} modules, not one`);
  const extra = snippets.map(([short, expr]) => `${JSON.stringify(short)}: ${expr}`).join(", ");
  const ret = /return \{\n\s*__proto__: null,\n(?:\s*"[^"]+": import\d+,\n)+\s*\};/;
  if (!ret.test(glue)) fail("the import object's return statement was not found");
  const [module] = modules;
  glue = glue.replace(ret, `return { ${JSON.stringify(module)}: Object.assign(import0, { ${extra} }) };`);

  // Exports, as the glue reads them: `wasm.name`.
  const exp = new Map(names.exports);
  glue = glue.replace(/\bwasm\.(\w+)/g, (all, name) => {
    if (!exp.has(name)) fail(`export ${name} is not in the name map`);
    return `wasm.${exp.get(name)}`;
  });
  // The loader instantiates the wasm itself (js/api.js `instantiate`), through the two glue
  // functions scripts/build.sh exports: the glue's own loader is then left out of the bundle.
  if (!glue.includes("export { __wbg_get_imports as imports, __wbg_finalize_init as finalize };")) {
    fail("the glue does not export imports and finalize");
  }
  return glue;
}

const glue = renamed();
const plugin = {
  name: "renamed-glue",
  setup(b) {
    b.onLoad({ filter: /[\\/]target[\\/]glue[\\/]unstuck\.js$/ }, () => ({
      contents: glue,
      loader: "js",
      resolveDir: dirname(GLUE),
    }));
  },
};

const common = {
  bundle: true, minify: true, target: "es2019", legalComments: "none", logLevel: "warning",
  plugins: [plugin],
};
// The script tag always passes the wasm URL, so the glue's import.meta fallback is dead code.
await build({ ...common, entryPoints: ["js/loader.js"], format: "iife", outfile: "dist/unstuck.js",
  define: { "import.meta.url": "undefined" } });
// ES2020 keeps `import.meta.url`, by which the glue finds the wasm next to the module.
await build({ ...common, entryPoints: ["js/esm.js"], format: "esm", target: "es2020", outfile: "dist/unstuck.mjs" });
