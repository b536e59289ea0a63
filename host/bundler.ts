/**
 * Bundles a page's scripts on the fly with esbuild: TypeScript, TSX/JSX (preact's automatic
 * runtime unless the file says otherwise), npm packages through Deno's cache (`_npm.ts`), and
 * source maps both inline (DevTools) and kept here (the host tells error stacks in the app's own
 * files).
 *
 * Every page script starts with an import of the page runtime (`RUNTIME_PATH`, bundled once from
 * `renderer/_page_runtime.ts`): the bootstrap then runs before the app's code, and `"ipc"` and
 * `"denotron/renderer"` in any script of the page are that one module, so the page has one
 * renderer core however many scripts it has.
 *
 * Bundles are cached per entry and rebuilt when any file that went into them has changed (its
 * mtime, checked on each request: a few `stat`s). Failed builds are not cached; they become a
 * script that throws the error, so it reaches the host like any uncaught error.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { RUNTIME_PATH } from "../common/_page_wire.ts";
import { NpmResolver } from "./_npm.ts";
import { SourceMap } from "./_source_map.ts";

/**
 * A bundled script.
 *
 * @example
 * ```ts ignore
 * const { code, map }: Bundle = await bundler.bundle({ root, file, page: true });
 * ```
 */
export interface Bundle {
  /** The JavaScript, with an inline source map. */
  code: string;
  /** Its source map, for error stacks. */
  map?: SourceMap;
}

interface Built extends Bundle {
  /** Files it was built from, with their mtimes. */
  inputs: Map<string, number>;
}

/**
 * What to bundle.
 *
 * @example
 * ```ts ignore
 * const request: BundleRequest = { root: "/app", file: "/app/main.tsx", page: true };
 * ```
 */
export interface BundleRequest {
  /** The app folder the page is served from (absolute, real path). */
  root: string;
  /** The entry file (absolute, real path, inside `root`). */
  file: string;
  /** Whether this script runs in the page itself (not a Web Worker): it gets the runtime. */
  page: boolean;
}

const RUNTIME_ENTRY = new URL("../renderer/_page_runtime.ts", import.meta.url).pathname;
const RENDERER_SPECIFIERS = /^(ipc|denotron\/renderer)$/;

function mtime(path: string): number | undefined {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return undefined;
  }
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/**
 * One per host: builds and caches page bundles. {@linkcode Bundler.stop} ends esbuild's service.
 *
 * @example
 * ```ts ignore
 * const bundler = new Bundler();
 * const { code } = await bundler.bundle({ root: "/app", file: "/app/main.tsx", page: true });
 * await bundler.stop();
 * ```
 */
export class Bundler {
  #cache = new Map<string, Promise<Built>>();
  #latest = new Map<string, Built>();
  #npm = new NpmResolver();
  #used = false;

  /** The bundle of a page script or a page's worker script. */
  bundle(request: BundleRequest): Promise<Bundle> {
    return this.#cached(
      `${request.root}\0${request.file}\0${request.page}`,
      () => this.#build(request),
    );
  }

  /** The page runtime (bootstrap + renderer API). */
  runtime(): Promise<Bundle> {
    return this.#cached(
      "runtime",
      () => this.#build({ root: dirname(RUNTIME_ENTRY), file: RUNTIME_ENTRY, page: false }),
    );
  }

  /** The page runtime's entry file. */
  get runtimeFile(): string {
    return RUNTIME_ENTRY;
  }

  /** The source map of the last bundle built from `file`, if any. */
  sourceMap(file: string): SourceMap | undefined {
    return this.#latest.get(file)?.map;
  }

  /** Ends esbuild's service and removes temporary files. Bundling again restarts it. */
  async stop(): Promise<void> {
    this.#cache.clear();
    this.#latest.clear();
    if (this.#used) {
      this.#used = false;
      await esbuild.stop();
    }
    await this.#npm.dispose();
  }

  /** Synchronous last resort at process exit (esbuild's service ends with its pipe). */
  stopSync(): void {
    this.#npm.disposeSync();
  }

  async #cached(key: string, build: () => Promise<Built>): Promise<Bundle> {
    const cached = this.#cache.get(key);
    if (cached) {
      const built = await cached.catch(() => undefined);
      if (built && [...built.inputs].every(([path, time]) => mtime(path) === time)) return built;
      if (this.#cache.get(key) === cached) this.#cache.delete(key);
      return this.#cached(key, build);
    }
    const building = build();
    this.#cache.set(key, building);
    try {
      return await building;
    } catch (error) {
      if (this.#cache.get(key) === building) this.#cache.delete(key);
      throw error;
    }
  }

  async #build({ root, file, page }: BundleRequest): Promise<Built> {
    this.#used = true;
    const runtime = "../".repeat(file.slice(root.length + 1).split("/").length - 1) || "./";
    const entry = [
      page ? `import ${JSON.stringify(`${runtime}${RUNTIME_PATH}`)};` : "",
      `import ${JSON.stringify(file)};`,
    ].join("\n");
    let result: esbuild.BuildResult<{ write: false; metafile: true }>;
    try {
      result = await esbuild.build({
        // The runtime keeps its exports; a page script gets the runtime's import first.
        ...(file === RUNTIME_ENTRY ? { entryPoints: [file] } : {
          stdin: { contents: entry, resolveDir: dirname(file), sourcefile: "denotron-entry.js" },
        }),
        absWorkingDir: root,
        outfile: `${file}.js`,
        bundle: true,
        write: false,
        metafile: true,
        format: "esm",
        platform: "browser",
        target: "esnext",
        sourcemap: "both",
        jsx: "automatic",
        jsxImportSource: "preact",
        tsconfigRaw: {},
        logLevel: "silent",
        define: { "process.env.NODE_ENV": '"production"' },
        plugins: [rendererPlugin(page, `${runtime}${RUNTIME_PATH}`), this.#npm.plugin(root)],
      });
    } catch (error) {
      // Not cached: the next request (a reload after the fix) builds again.
      return this.#failed(
        error as esbuild.BuildFailure,
        root,
        page ? `${runtime}${RUNTIME_PATH}` : "",
      );
    }
    const js = result.outputFiles.find((f) => f.path.endsWith(".js"))!;
    const map = result.outputFiles.find((f) => f.path.endsWith(".map"));
    const inputs = new Map<string, number>();
    for (const input of Object.keys(result.metafile.inputs)) {
      const path = new URL(input, `file://${root}/`).pathname;
      const time = mtime(path);
      if (time !== undefined) inputs.set(path, time);
    }
    const built: Built = {
      code: js.text,
      map: map ? new SourceMap(map.text, dirname(file)) : undefined,
      inputs,
    };
    this.#latest.set(file, built);
    return built;
  }

  /** A script that throws the build's first error (with its place in the app's files). */
  #failed(failure: esbuild.BuildFailure, root: string, runtime: string): never {
    const first = failure.errors?.[0];
    const where = first?.location
      ? `${first.location.file.replace(/^(?!\/)/, `${root}/`)}:${first.location.line}:${
        first.location.column + 1
      }: `
      : "";
    const message = first ? `${where}${first.text}` : String(failure.message ?? failure);
    throw new BundleError(message, runtime);
  }
}

/**
 * A page script could not be bundled; {@linkcode BundleError.script} reports it in the page.
 *
 * @example
 * ```ts ignore
 * try {
 *   await bundler.bundle(request);
 * } catch (error) {
 *   if (error instanceof BundleError) serve(error.script);
 * }
 * ```
 */
export class BundleError extends Error {
  /** A module that reports the error as an uncaught error of the page. */
  readonly script: string;

  constructor(message: string, runtime: string) {
    super(message);
    this.name = "BundleError";
    this.script = [
      runtime ? `import ${JSON.stringify(runtime)};` : "",
      `throw new SyntaxError(${JSON.stringify(`could not build this script: ${message}`)});`,
    ].join("\n");
  }
}

/** `"ipc"` and `"denotron/renderer"` are the page runtime, outside the bundle. */
function rendererPlugin(page: boolean, runtime: string): esbuild.Plugin {
  return {
    name: "denotron-renderer",
    setup(build) {
      build.onResolve(
        { filter: RENDERER_SPECIFIERS },
        (args) =>
          page ? { path: runtime, external: true } : {
            errors: [{ text: `"${args.path}" is only available in a page, not in its workers` }],
          },
      );
      build.onResolve({ filter: /__denotron\/runtime\.js$/ }, (args) => ({
        path: args.path,
        external: true,
      }));
    },
  };
}
