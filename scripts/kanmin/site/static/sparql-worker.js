// The SPARQL engine of the query page (sparql.html), in a module worker so that the page stays
// responsive while a query runs, and so that a query can be stopped: the page terminates this
// worker (Stop, or the time limit) and starts a fresh one. The engine is Oxigraph's WebAssembly
// build (npm oxigraph, vendor/oxigraph/web.js and web_bg.wasm, copied byte for byte from the
// package pinned in scripts/kanmin/site/vendor/oxigraph/package-lock.json).
//
// Messages from the page:
//   {type: "init", wasm, graph: [{url, format}]} (the first worker), or {type: "init", module,
//     files: [{bytes, format}]} (a worker started after Stop): fetch and compile the WebAssembly
//     (here, off the page's main thread) and the published files (the data graph, the vocabulary,
//     the catalog), or take those of the first worker, and load the files into a new store;
//     answered by {type: "ready", triples, module, files, fetched_ms, loaded_ms} or
//     {type: "failed", message}.
//   {type: "query", id, query, format}: run a query and serialise its result in ``format`` (SPARQL
//     JSON results for SELECT and ASK, Turtle for CONSTRUCT and DESCRIBE); answered by
//     {type: "result", id, text, ms} or {type: "error", id, message, fatal} (fatal: the engine
//     itself failed, e.g. it ran out of memory, and this worker must not be used again).
import { initSync, Store } from "./vendor/oxigraph/web.js";

let store = null;

function message(error) {
  return error && typeof error.message === "string" ? error.message : String(error);
}

async function fetched(url) {
  const response = await fetch(url);
  if (!response.ok) { throw new Error(`HTTP ${response.status}: ${url}`); }
  return response;
}

async function compile(response) {
  // Streaming compilation needs the server to say application/wasm; otherwise compile the bytes.
  if (WebAssembly.compileStreaming && (response.headers.get("Content-Type") || "").startsWith("application/wasm")) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

async function init(m) {
  const started = performance.now();
  const [module, files] = m.module ? [m.module, m.files] : await Promise.all([
    fetched(m.wasm).then(compile),
    Promise.all(m.graph.map(async (file) => ({ bytes: await (await fetched(file.url)).arrayBuffer(), format: file.format }))),
  ]);
  const loading = performance.now();
  initSync({ module: module });
  store = new Store();
  for (const file of files) {
    store.load(new Uint8Array(file.bytes), { format: file.format });
  }
  return { type: "ready", triples: store.size, module: module, files: files, fetched_ms: loading - started,
           loaded_ms: performance.now() - loading };
}

self.onmessage = (event) => {
  const m = event.data;
  if (m.type === "init") {
    init(m).then((ready) => self.postMessage(ready), (error) => self.postMessage({ type: "failed", message: message(error) }));
  } else if (m.type === "query") {
    const started = performance.now();
    try {
      const text = store.query(m.query, { results_format: m.format });
      self.postMessage({ type: "result", id: m.id, text: text, ms: performance.now() - started });
    } catch (error) {
      // The engine reports a bad query as a plain Error; anything else (a RuntimeError of the
      // WebAssembly, a RangeError when memory runs out) leaves the engine in an unknown state.
      const fatal = !(error instanceof Error) || error instanceof WebAssembly.RuntimeError ||
        error instanceof RangeError;
      self.postMessage({ type: "error", id: m.id, message: message(error), fatal: fatal });
    }
  }
};
