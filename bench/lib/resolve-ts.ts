// Loaded with `node --import` before a benchmark: lets plain Node import the
// committed protobuf code, whose relative imports have no extension
// (`./host_pb`), by trying `<specifier>.ts`. Bundlers and vitest do this on
// their own; Node's type stripping does not.
import { registerHooks } from "node:module";

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (e) {
      const relative = specifier.startsWith("./") || specifier.startsWith("../");
      if (!relative || !context.parentURL?.endsWith(".ts") || /\.[cm]?[jt]s$/.test(specifier)) throw e;
      return nextResolve(`${specifier}.ts`, context);
    }
  },
});
