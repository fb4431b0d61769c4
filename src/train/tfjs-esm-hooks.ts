/**
 * Node module hooks that let the per-file ES module build of tfjs-core load in Node: its files use
 * extensionless relative imports ("../ops/mul") and sit in a package without "type": "module". Only files
 * inside @tensorflow/tfjs-core/dist/ are touched, and never the prebuilt bundles (tf-core*.js).
 * Registered by gradients.ts; see there for why.
 */
const CORE = "/@tensorflow/tfjs-core/dist/";
const BUNDLE = /\/tf-core[^/]*\.js$/;

type Next<C, R> = (specifier: string, context: C) => Promise<R>;
interface ResolveContext {
  parentURL?: string;
}
interface LoadContext {
  format?: string | null;
}

export async function resolve<R>(
  specifier: string,
  context: ResolveContext,
  next: Next<ResolveContext, R>,
): Promise<R> {
  const parent = context.parentURL ?? "";
  if (parent.includes(CORE) && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    try {
      return await next(specifier + ".js", context);
    } catch {
      return next(specifier + "/index.js", context);
    }
  }
  return next(specifier, context);
}

export async function load<R>(url: string, context: LoadContext, next: Next<LoadContext, R>): Promise<R> {
  if (url.includes(CORE) && url.endsWith(".js") && !BUNDLE.test(url))
    return next(url, { ...context, format: "module" });
  return next(url, context);
}
