/**
 * npm packages in page bundles, from an app folder anywhere, with no `node_modules` and no
 * config of its own: an esbuild plugin that resolves `"preact"`, `"preact/hooks"`,
 * `"npm:preact@11/hooks"`… through Deno's own npm cache.
 *
 * Why this way (measured with Deno 2.9.6): `import.meta.resolve("npm:x")` gives a file path only
 * for packages already in the running program's npm snapshot (otherwise it returns the specifier
 * unchanged), and `createRequire(...).resolve` does not take `npm:` specifiers. `deno info --json
 * npm:<name>@<range>` does what is needed: it downloads the package if it must, and reports every
 * package of the subgraph with its exact version, its folder in Deno's cache (`localPath`) and
 * its resolved dependencies (peer dependencies included), ~10 ms when cached. esbuild then
 * resolves the subpath itself (`exports` with the `browser` condition, `module`, `main`) through
 * a symlink `<temp>/<name>@<version>/node_modules/<name>` → `localPath`, and a bare import
 * inside a package resolves to the version Deno chose for that package's dependency, so a page
 * gets one copy of preact whichever way its files name it.
 *
 * Versions: `npm:name@range` as written; a bare name from a package, its dependency; from the
 * app, the app's `deno.json` `imports`, else denotron's own (`preact` → 11.2.0), else latest.
 *
 * @module
 */
import type * as esbuild from "esbuild";
import denotronConfig from "../deno.json" with { type: "json" };

interface Package {
  name: string;
  version: string;
  dir: string;
  /** Dependency name → folder. */
  deps: Map<string, string>;
}

interface Specifier {
  name: string;
  /** The version range of an `npm:` specifier ("" for none); undefined for a bare name. */
  range?: string;
  /** `""` or `/sub/path`. */
  sub: string;
}

interface DenoInfo {
  roots: string[];
  redirects: Record<string, string>;
  modules: { npmPackage?: string }[];
  npmPackages: Record<
    string,
    { name: string; version: string; dependencies: string[]; localPath: string }
  >;
}

const NAME = /^((?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.~-]*)(@[^/]*)?(\/.*)?$/i;
const SKIP = { denotronNpm: "skip" };

/**
 * Parses `npm:name@range/sub`, `npm:/name@version/sub` or a bare `name/sub`.
 *
 * @example
 * ```ts ignore
 * parseSpecifier("npm:preact@11/hooks"); // { name: "preact", range: "11", sub: "/hooks" }
 * ```
 */
export function parseSpecifier(spec: string): Specifier | undefined {
  const npm = spec.startsWith("npm:");
  const match = (npm ? spec.slice(4).replace(/^\//, "") : spec).match(NAME);
  if (!match || (!npm && match[2])) return undefined;
  return {
    name: match[1],
    range: npm ? (match[2] ?? "@").slice(1) : undefined,
    sub: match[3] ?? "",
  };
}

/** Bare name → range, from an `imports` map's `npm:` entries. */
function ranges(imports: Record<string, unknown> | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(imports ?? {})) {
    const spec = typeof value === "string" ? parseSpecifier(value) : undefined;
    if (spec?.range !== undefined && spec.name === key) out.set(key, spec.range);
  }
  return out;
}

const DEFAULTS = ranges(denotronConfig.imports);

/**
 * Resolves npm packages for esbuild through Deno's npm cache; one per bundler.
 *
 * @example
 * ```ts ignore
 * const npm = new NpmResolver();
 * await esbuild.build({ entryPoints: [file], bundle: true, plugins: [npm.plugin(root)] });
 * await npm.dispose();
 * ```
 */
export class NpmResolver {
  #farm: Promise<string> | undefined;
  #farmPath: string | undefined;
  #byDir = new Map<string, Package>();
  #requests = new Map<string, Promise<Package>>();
  #links = new Map<string, Promise<string>>();
  #appRanges = new Map<string, Map<string, string>>();

  /**
   * The esbuild plugin; `root` is the app folder of the page being bundled.
   *
   * @example
   * ```ts ignore
   * await esbuild.build({ entryPoints: [file], bundle: true, plugins: [npm.plugin(root)] });
   * ```
   */
  plugin(root: string): esbuild.Plugin {
    return {
      name: "denotron-npm",
      setup: (build) => {
        build.onResolve({ filter: /^[^./]/ }, async (args) => {
          if (args.pluginData === SKIP) return undefined;
          if (/^node:/.test(args.path)) {
            return {
              errors: [{ text: `"${args.path}": Node's built-ins do not exist in a page` }],
            };
          }
          const spec = parseSpecifier(args.path);
          if (!spec) return undefined;
          try {
            const pkg = await this.#packageFor(spec, args.importer, root);
            const resolveDir = await this.#link(pkg);
            const found = await build.resolve(`${pkg.name}${spec.sub}`, {
              kind: args.kind,
              resolveDir,
              pluginData: SKIP,
            });
            if (found.errors.length) return { errors: found.errors };
            return { path: found.path, sideEffects: found.sideEffects };
          } catch (error) {
            return { errors: [{ text: (error as Error).message }] };
          }
        });
      },
    };
  }

  /** Removes the temporary symlink folder. */
  async dispose(): Promise<void> {
    const farm = await this.#farm?.catch(() => undefined);
    this.#farm = undefined;
    this.#links.clear();
    if (farm) await Deno.remove(farm, { recursive: true }).catch(() => {});
  }

  /** Synchronous last resort at process exit. */
  disposeSync(): void {
    if (this.#farmPath) {
      try {
        Deno.removeSync(this.#farmPath, { recursive: true });
      } catch { /* gone already */ }
    }
  }

  #packageFor(spec: Specifier, importer: string, root: string): Promise<Package> {
    if (spec.range !== undefined) return this.#request(spec.name, spec.range);
    for (const [dir, pkg] of this.#byDir) {
      if (!importer.startsWith(`${dir}/`)) continue;
      if (spec.name === pkg.name) return Promise.resolve(pkg);
      const dep = this.#byDir.get(pkg.deps.get(spec.name) ?? "");
      if (dep) return Promise.resolve(dep);
      throw new Error(
        `${pkg.name}@${pkg.version} imports "${spec.name}", which is not among its dependencies`,
      );
    }
    const range = this.#appRange(root, spec.name) ?? DEFAULTS.get(spec.name) ?? "";
    return this.#request(spec.name, range);
  }

  #appRange(root: string, name: string): string | undefined {
    let map = this.#appRanges.get(root);
    if (!map) {
      map = new Map();
      for (const file of ["deno.json", "deno.jsonc"]) {
        try {
          map = ranges(JSON.parse(Deno.readTextFileSync(`${root}/${file}`)).imports);
          break;
        } catch { /* none, or not plain JSON */ }
      }
      this.#appRanges.set(root, map);
    }
    return map.get(name);
  }

  #request(name: string, range: string): Promise<Package> {
    const spec = `npm:${name}${range ? `@${range}` : ""}`;
    let request = this.#requests.get(spec);
    if (!request) {
      request = this.#info(spec);
      this.#requests.set(spec, request);
      request.catch(() => this.#requests.delete(spec));
    }
    return request;
  }

  async #info(spec: string): Promise<Package> {
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-config", spec],
      cwd: await this.#farmDir(),
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) {
      const why = new TextDecoder().decode(stderr).trim().split("\n").slice(-3).join(" ");
      throw new Error(`cannot get npm package ${spec}: ${why}`);
    }
    const info = JSON.parse(new TextDecoder().decode(stdout)) as DenoInfo;
    for (const entry of Object.values(info.npmPackages)) {
      const pkg = this.#byDir.get(entry.localPath) ??
        { name: entry.name, version: entry.version, dir: entry.localPath, deps: new Map() };
      for (const key of entry.dependencies) {
        const dep = info.npmPackages[key];
        if (dep) pkg.deps.set(dep.name, dep.localPath);
      }
      this.#byDir.set(entry.localPath, pkg);
    }
    const key = info.modules.find((m) => m.npmPackage)?.npmPackage;
    const root = key ? this.#byDir.get(info.npmPackages[key]?.localPath) : undefined;
    if (!root) throw new Error(`cannot get npm package ${spec}: deno info found no package`);
    return root;
  }

  #farmDir(): Promise<string> {
    return this.#farm ??= Deno.makeTempDir({ prefix: "denotron-npm-" }).then((dir) => {
      this.#farmPath = dir;
      return dir;
    });
  }

  /** A folder from which esbuild finds `pkg` as `node_modules/<name>`. */
  #link(pkg: Package): Promise<string> {
    let link = this.#links.get(pkg.dir);
    if (!link) {
      link = (async () => {
        const base = `${await this.#farmDir()}/${pkg.name.replace("/", "+")}@${pkg.version}`;
        const at = `${base}/node_modules/${pkg.name}`;
        await Deno.mkdir(at.slice(0, at.lastIndexOf("/")), { recursive: true });
        await Deno.symlink(pkg.dir, at).catch((error) => {
          if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
        });
        return base;
      })();
      this.#links.set(pkg.dir, link);
    }
    return link;
  }
}
