/**
 * `deno task browser`: bundles the page (`page.ts`, with the package and its chart library)
 * for browsers with `deno bundle --platform browser` (the fixtures come with the package, as
 * JSON modules), serves it on 127.0.0.1 with PyTorch's printed tutorial text, and prints the URL. Open it in
 * Chrome (or any browser with WebGPU) to run every fixture on the CPU and on that browser's
 * WebGPU adapter, and a small benchmark of the tutorial's five losses on both.
 *
 * The page is served on 127.0.0.1 only: WebGPU needs a secure context, which a loopback
 * address is.
 *
 * @module
 */

import { parseArgs } from "node:util";

const ROOT = new URL("../../", import.meta.url);
const HERE = new URL("./", import.meta.url);
const PRINTED_TUTORIAL = new URL("conformance/printed/tutorial.json", ROOT);

/** A running page server. */
export interface PageServer {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Stops serving and removes the bundle. */
  close(): Promise<void>;
}

/** Options for {@linkcode startPageServer}. */
export interface PageServerOptions {
  /** The port; 0 (the default) lets the system pick a free one. */
  port?: number;
}

/**
 * Bundles the page into `outFile` with `deno bundle --platform browser`.
 *
 * @throws {Error} With the bundler's output if bundling fails.
 */
export async function bundlePage(outFile: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--config",
      new URL("../deno.json", HERE).pathname,
      "--platform",
      "browser",
      "--minify",
      "--output",
      outFile,
      new URL("page.ts", HERE).pathname,
    ],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  if (code !== 0) {
    throw new Error(
      `Cannot bundle the page: deno bundle exited with ${code}\n` +
        new TextDecoder().decode(stderr),
    );
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/**
 * Bundles the page and serves it on 127.0.0.1: `/` the page, `/page.js` the bundle,
 * `/printed/tutorial.json` PyTorch's printed tutorial text (the fixtures are in the bundle, as
 * JSON modules of the conformance entry).
 */
export async function startPageServer(
  options: PageServerOptions = {},
): Promise<PageServer> {
  const dir = await Deno.makeTempDir({ prefix: "parity-losses-page-" });
  const bundle = `${dir}/page.js`;
  await bundlePage(bundle);
  const files = new Map<string, URL | string>([
    ["/", new URL("index.html", HERE)],
    ["/page.js", bundle],
    ["/printed/tutorial.json", PRINTED_TUTORIAL],
  ]);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, onListen: () => {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      const headers = { "cache-control": "no-store" };
      const file = files.get(path);
      if (file === undefined) return new Response("Not found", { status: 404 });
      const ext = String(file).slice(String(file).lastIndexOf("."));
      const body = await Deno.readFile(file);
      return new Response(body, {
        headers: {
          ...headers,
          "content-type": TYPES[ext] ?? "application/octet-stream",
        },
      });
    },
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    close: async () => {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const USAGE = `Usage: deno task browser [--port N]

Bundles the conformance page, serves it on 127.0.0.1 and prints its URL. Open the URL in
Chrome: the page runs PyTorch's fixtures on the CPU and on the browser's WebGPU adapter,
shows the adapter, a table per op and a benchmark of the tutorial's five losses.
  --port N  the port (default 8000; 0 picks a free one)
  --help    this text`;

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string", default: "8000" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `--port must be an integer in [0, 65535]: got ${values.port}\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const server = await startPageServer({ port });
  console.log(`Serving the page at ${server.url} (Ctrl-C stops)`);
  console.log(
    "Open it in Chrome; headless runs need --enable-unsafe-webgpu for WebGPU.",
  );
  const stop = async () => {
    await server.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}
