/**
 * Regenerates the golden fixtures (`conformance/fixtures/<op>.json`) from PyTorch.
 *
 * Finds a Python that can import torch (`--python`, then `$PYTHON`, then
 * `python3`, then `/usr/bin/python3`), runs `scripts/export_fixtures.py` into a
 * temporary directory with `ATEN_CPU_CAPABILITY=default`, then copies the files
 * into the output directory and prints which ones changed. With `--check`
 * nothing is written: the export is compared byte for byte with the output
 * directory and the script exits 1 if any file differs (CI runs this). Writing
 * the default output also writes `conformance/_fixture_index.ts`, the module
 * that loads each file as a JSON module; `--check` checks it too.
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write --allow-env scripts/regen_fixtures.ts [--check]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXPORTER = join(ROOT, "scripts", "export_fixtures.py");
const RANDOM_EXPORTER = join(ROOT, "scripts", "export_random_fixtures.py");
/** PyTorch's printed text (tensors, the tutorial) goes beside the fixtures, in `printed/`. */
const PRINT_EXPORTER = join(ROOT, "scripts", "export_print_fixtures.py");
const DEFAULT_OUT = join(ROOT, "conformance", "fixtures");
/** The package loads its own fixtures through this generated module (no file system needed). */
const INDEX = join(ROOT, "conformance", "_fixture_index.ts");
const EXPORT_ENV = { ATEN_CPU_CAPABILITY: "default" };

const USAGE =
  `Usage: deno run --allow-run --allow-read --allow-write --allow-env scripts/regen_fixtures.ts [options]

Regenerates conformance/fixtures/<op>.json from PyTorch with scripts/export_fixtures.py.

Options:
  --python PATH  Python with torch (default: $PYTHON, python3, /usr/bin/python3)
  --out DIR      Output directory (default: conformance/fixtures)
  --check        Export to a temporary directory and exit 1 if any file differs
                 from the output directory; writes nothing
  --help         Show this help`;

/** How an exported file compares with the one already in the output directory. */
type FileStatus = "new" | "changed" | "unchanged";

/** One exported fixture file. */
interface ExportedFile {
  name: string;
  bytes: Uint8Array;
  status: FileStatus;
  cases: number;
  errors: number;
}

/** The parts of a fixture file this script reads. */
interface FixtureSummary {
  torch: string;
  cases: { error: string | null }[];
}

async function hasTorch(python: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(python, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success;
  } catch {
    return false; // not found or not executable
  }
}

async function findPython(
  explicit: string | undefined,
): Promise<string | undefined> {
  const candidates = [
    explicit,
    Deno.env.get("PYTHON"),
    "python3",
    "/usr/bin/python3",
  ];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (!candidate || seen.has(candidate)) continue;
    seen.add(candidate);
    if (await hasTorch(candidate)) return candidate;
    console.error(`Skipping ${candidate}: cannot import torch`);
  }
  return undefined;
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

async function listJson(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function summarize(name: string, bytes: Uint8Array): FixtureSummary {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as FixtureSummary;
  if (!Array.isArray(parsed.cases)) {
    throw new Error(`Cannot read ${name} as it has no "cases" array`);
  }
  return parsed;
}

/** Runs the exporter into a temporary directory and compares with `outDir`. */
async function exportAndCompare(
  python: string,
  outDir: string,
  exporters: string[] = [EXPORTER, RANDOM_EXPORTER],
): Promise<{ files: ExportedFile[]; torch: string }> {
  const tmp = await Deno.makeTempDir({ prefix: "parity-fixtures-" });
  try {
    for (const exporter of exporters) {
      const { success, code } = await new Deno.Command(python, {
        args: [exporter, tmp],
        env: EXPORT_ENV,
        stdout: "null",
        stderr: "inherit",
      }).output();
      if (!success) {
        throw new Error(`Cannot export fixtures as ${python} exited with code ${code}`);
      }
    }
    const files: ExportedFile[] = [];
    let torch = "";
    for (const name of await listJson(tmp)) {
      const bytes = await Deno.readFile(join(tmp, name));
      const old = await readIfExists(join(outDir, name));
      const summary = summarize(name, bytes);
      torch = summary.torch;
      files.push({
        name,
        bytes,
        status: old === undefined ? "new" : sameBytes(old, bytes) ? "unchanged" : "changed",
        cases: summary.cases.length,
        errors: summary.cases.filter((c) => (c.error ?? null) !== null).length,
      });
    }
    if (files.length === 0) {
      throw new Error("Cannot export fixtures as the exporter wrote no files");
    }
    return { files, torch };
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function report(files: ExportedFile[], stale: string[]): void {
  for (const f of files) {
    const counts = `${f.cases} cases, ${f.errors} errors`;
    console.log(`  ${f.name.padEnd(28)} ${counts.padEnd(24)} ${f.status}`);
  }
  for (const name of stale) {
    console.log(`  ${name.padEnd(28)} ${"not exported".padEnd(24)} stale`);
  }
  const count = (s: FileStatus): string => `${files.filter((f) => f.status === s).length} ${s}`;
  const total = files.reduce((n, f) => n + f.cases, 0);
  const statuses = [count("new"), count("changed"), count("unchanged")].join(", ");
  console.log(`${files.length} files, ${total} cases: ${statuses}`);
}

/**
 * The source of `conformance/_fixture_index.ts` for fixture files `names` (`abs.json`, ...),
 * laid out as `deno fmt` lays it out.
 */
export function fixtureIndexSource(names: readonly string[]): string {
  const lines = [
    "// Generated by scripts/regen_fixtures.ts from the files in conformance/fixtures/: do not edit.",
    "",
    "/** Loads one fixture file of this package as a JSON module. */",
    "export type FixtureModule = () => Promise<{ default: unknown }>;",
    "",
    "/** The package's fixture files by op, each loaded on first use. */",
    "export const FIXTURE_MODULES: Readonly<Record<string, FixtureModule>> = {",
  ];
  for (const name of [...names].sort()) {
    const op = name.replace(/\.json$/, "");
    const load = `import("./fixtures/${name}", { with: { type: "json" } }),`;
    const line = `  ${op}: () => ${load}`;
    lines.push(...(line.length <= 100 ? [line] : [`  ${op}: () =>`, `    ${load}`]));
  }
  lines.push("};", "");
  return lines.join("\n");
}

/** Writes, or with `check` compares, the fixture index for the files `names`. */
async function updateIndex(names: readonly string[], check: boolean | undefined): Promise<number> {
  const source = fixtureIndexSource(names);
  const old = await readIfExists(INDEX);
  const same = old !== undefined && new TextDecoder().decode(old) === source;
  if (check) {
    if (same) return 0;
    console.error(`Out of date: ${INDEX} (run deno task fixtures)`);
    return 1;
  }
  if (!same) {
    await Deno.writeTextFile(INDEX, source);
    console.log(`Wrote ${INDEX}`);
  }
  return 0;
}

/** Runs the command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values: { python?: string; out?: string; check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        python: { type: "string" },
        out: { type: "string" },
        check: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const outDir = values.out === undefined ? DEFAULT_OUT : resolve(values.out);

  const python = await findPython(values.python);
  if (python === undefined) {
    console.error(
      "Cannot find a Python with torch: pass --python PATH or set $PYTHON, or install it with `apt-get install python3-torch`",
    );
    return 1;
  }

  const jobs = [
    { outDir, exporters: [EXPORTER, RANDOM_EXPORTER] },
    { outDir: join(outDir, "..", "printed"), exporters: [PRINT_EXPORTER] },
  ];
  let status = 0;
  for (const job of jobs) {
    status = Math.max(status, await runJob(python, job.outDir, job.exporters, values.check));
  }
  if (outDir === DEFAULT_OUT) {
    status = Math.max(status, await updateIndex(await listJson(DEFAULT_OUT), values.check));
  }
  return status;
}

/** Exports with `exporters` and checks or writes `outDir`; returns the exit code. */
async function runJob(
  python: string,
  outDir: string,
  exporters: string[],
  check: boolean | undefined,
): Promise<number> {
  let exported: { files: ExportedFile[]; torch: string };
  try {
    exported = await exportAndCompare(python, outDir, exporters);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  const { files, torch } = exported;
  const names = new Set(files.map((f) => f.name));
  const stale = (await listJson(outDir)).filter((name) => !names.has(name));
  console.log(`${check ? "Checking" : "Writing"} ${outDir} with ${python} (torch ${torch})`);
  report(files, stale);

  if (check) {
    const differing = [
      ...files.filter((f) => f.status !== "unchanged").map((f) => f.name),
      ...stale,
    ];
    if (differing.length > 0) {
      console.error(`Fixtures are out of date: ${differing.join(", ")}`);
      return 1;
    }
    console.log("Fixtures are up to date");
    return 0;
  }
  await Deno.mkdir(outDir, { recursive: true });
  for (const f of files) {
    if (f.status !== "unchanged") await Deno.writeFile(join(outDir, f.name), f.bytes);
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
