/**
 * The package's module graph, read with `deno info --json` from its published entries: no
 * import cycle among its own modules, imports that point one way (public op → shared engines
 * → backends → core), no internal module directly in `losses/`, and nothing fetched from npm
 * or the network.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../", import.meta.url);

/** The package's published entries (deno.json's `exports`, fixtures aside). */
const ENTRIES = ["mod.ts", "conformance/mod.ts", "conformance/cli.ts", "tfjs/mod.ts"];

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

interface Info {
  modules: InfoModule[];
  npmPackages: Record<string, unknown>;
}

async function moduleGraph(entry: string): Promise<Info> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: fileURLToPath(ROOT),
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Info;
}

/** Repository-relative path of every own module, with the own modules it imports. */
function ownEdges(info: Info): Map<string, string[]> {
  const own = (specifier: string | undefined): string | null =>
    specifier?.startsWith(ROOT.href) ? specifier.slice(ROOT.href.length) : null;
  const edges = new Map<string, string[]>();
  for (const m of info.modules) {
    const from = own(m.specifier);
    if (from === null) continue;
    const to = new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const target of [own(d.code?.specifier), own(d.type?.specifier)]) {
        if (target !== null) to.add(target);
      }
    }
    edges.set(from, [...to]);
  }
  return edges;
}

/** Every cycle found by a depth-first walk, each as the path that closes it. */
function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (u: string): void => {
    state.set(u, "open");
    path.push(u);
    for (const v of edges.get(u) ?? []) {
      if (state.get(v) === "open") found.push([...path.slice(path.indexOf(v)), v]);
      else if (!state.has(v)) visit(v);
    }
    path.pop();
    state.set(u, "done");
  };
  for (const u of edges.keys()) if (!state.has(u)) visit(u);
  return found;
}

/**
 * A module's layer: higher layers may import lower ones and their own, never higher ones.
 * The two backends sit side by side and do not import each other.
 */
function layer(path: string): { rank: number; name: string } {
  if (/^losses\/[^/]+\.ts$/.test(path)) return { rank: 4, name: "public" };
  if (path.startsWith("losses/_engines/")) return { rank: 3, name: "engines" };
  if (path.startsWith("losses/_cpu/")) return { rank: 2, name: "cpu" };
  if (path.startsWith("losses/_webgpu/")) return { rank: 2, name: "webgpu" };
  if (path.startsWith("losses/_core/")) return { rank: 1, name: "core" };
  return { rank: 5, name: "entry" }; // mod.ts, conformance/
}

const graphs = await Promise.all(ENTRIES.map(moduleGraph));
const edges = new Map<string, string[]>();
for (const g of graphs) for (const [k, v] of ownEdges(g)) edges.set(k, v);

Deno.test("the package's modules import each other without a cycle", () => {
  assert.ok(edges.size > 50, `only ${edges.size} modules found`);
  assert.deepEqual(cycles(edges).map((c) => c.join(" -> ")), []);
});

Deno.test("imports point one way: public op, engines, backends, core", () => {
  const wrong: string[] = [];
  for (const [from, targets] of edges) {
    const a = layer(from);
    for (const to of targets) {
      const b = layer(to);
      const sideways = a.rank === b.rank && a.name !== b.name;
      if (b.rank > a.rank || sideways) wrong.push(`${from} (${a.name}) -> ${to} (${b.name})`);
    }
  }
  assert.deepEqual(wrong, []);
});

Deno.test("losses/ holds only public modules directly; internals sit in subfolders", async () => {
  const internal: string[] = [];
  for await (const entry of Deno.readDir(new URL("losses/", ROOT))) {
    if (entry.isFile && entry.name.startsWith("_")) internal.push(entry.name);
  }
  assert.deepEqual(internal, []);
  for (const path of edges.keys()) {
    assert.ok(!/^losses\/_[^/]*\.ts$/.test(path), path);
  }
});

Deno.test("the entries load nothing from npm or the network", () => {
  for (const [i, g] of graphs.entries()) {
    assert.deepEqual(Object.keys(g.npmPackages), [], ENTRIES[i]);
    // The library and the conformance entry run in browsers too: their own files only. The
    // command-line runner may use Node's built-in modules, which Deno, Node and Bun provide.
    const allowed = ENTRIES[i] === "conformance/cli.ts" ? /^(file|node):/ : /^file:/;
    const remote = g.modules.map((m) => m.specifier).filter((s) => !allowed.test(s));
    assert.deepEqual(remote, [], ENTRIES[i]);
  }
});
