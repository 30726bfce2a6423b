// The query page (sparql.html): SPARQL on the published graph, in the browser, with nothing to
// install. Without this script the page shows the example queries as text.
//
// The engine (Oxigraph's WebAssembly build) runs in a module worker (sparql-worker.js), started
// once the page has loaded (no other page loads the engine): the first worker fetches and compiles
// the engine and fetches the published files of #sparql-config, loads them into a store and hands
// the compiled module and the files back. Stop, and the time limit, terminate the worker and start
// a fresh one from the same module and files, so that a runaway query (a cross product of every
// triple) stops holding the page at once and the next query runs. (Chromium ends a worker busy in
// WebAssembly 2 s after terminate(), its forcible-termination delay; the page does not wait.)
//
// A query's form (SELECT, ASK, CONSTRUCT, DESCRIBE: the first keyword after the prologue) decides
// what the worker returns: the engine's SPARQL JSON results for SELECT and ASK, its Turtle for
// CONSTRUCT and DESCRIBE. The table is drawn from the JSON; the CSV download is written here from
// the same JSON, exactly as Oxigraph writes SPARQL CSV (IRIs and literals' lexical forms as they
// are, "_:" before a blank node, a field quoted when it holds '"', ',', CR or LF, CRLF line ends),
// so that the table, the CSV and the JSON are one result (a query run twice may order the rows of
// a GROUP BY differently). IRIs with a page on this site (config.links: policies, ministries, KPIs,
// references, …) link to it; other http(s) IRIs link to themselves.
//
// The query lives in the URL (?query=…, the parameter of the SPARQL protocol), so a result can be
// shared: a URL with a query fills the editor and runs it. A syntax error shows the engine's
// message and where it is (line and column, as the engine counts them), in Japanese and English,
// and selects that place in the editor. Every text of a result reaches the page through
// textContent or a text node, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var settings = document.getElementById("sparql-config");
  if (!form || !settings) { return; }
  var config = JSON.parse(settings.textContent);
  var editor = document.getElementById("query");
  var runButton = document.getElementById("run");
  var stopButton = document.getElementById("stop");
  var limitInput = document.getElementById("limit");
  var status = document.getElementById("status");
  var graphInfo = document.getElementById("graph-info");
  var problem = document.getElementById("problem");
  var answer = document.getElementById("answer");
  var downloads = document.getElementById("downloads");
  var results = document.getElementById("results");
  var numbers = new Intl.NumberFormat("ja-JP");

  // --- messages: Japanese, with the English in a lang="en" element -----------------------------

  function english(en) {
    var span = document.createElement("span");
    span.lang = "en";
    span.className = "en";
    span.textContent = en;
    return span;
  }

  function say(element, ja, en) {
    element.textContent = ja + " ";
    element.appendChild(english(en));
  }

  function element(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function seconds(ms) { return (ms / 1000).toFixed(ms < 1000 ? 3 : 1); }

  function showProblem(ja, en, details) {
    problem.textContent = "";
    var p = element("p");
    say(p, ja, en);
    problem.appendChild(p);
    (details || []).forEach(function (d) { problem.appendChild(d); });
    problem.hidden = false;
  }

  // --- the engine and its worker ---------------------------------------------------------------

  var engine = null;   // {module, files}: compiled and fetched by the first worker, for the next ones
  var worker = null;
  var ready = null;    // a promise of the current worker's "ready" message
  var pending = null;  // the query the worker is running: {id, form, timer}
  var counter = 0;

  function failed(error) {
    runButton.disabled = true;
    var local = location.protocol === "file:";
    showProblem(local ? "このページはファイルとして開くと動きません（ブラウザがファイルからの読み込みを許さないため）。" +
                        "python -m http.server などで配信して開いてください。"
                      : "SPARQLエンジンかデータを読み込めませんでした。ページを再読み込みしてください。",
                local ? "This page does not work opened from disk (the browser does not let it read files): serve the folder, e.g. with python -m http.server, and open it from there."
                      : "Could not load the SPARQL engine or the data: reload the page.",
                [element("pre", "engine-message", String(error && error.message || error))]);
    say(status, "読み込めませんでした。", "Not loaded.");
  }

  // A new worker: until one has loaded, a worker fetches and compiles the engine and fetches the
  // graph's files itself (off the main thread), and hands them back for the workers that replace
  // it after a Stop.
  function startWorker() {
    var first = engine === null;
    var up = false;
    var w;
    try {
      w = new Worker(config.worker, { type: "module" });
    } catch (error) {  // a page opened from disk may not start a worker at all
      ready = Promise.reject(error);
      ready.catch(failed);
      return;
    }
    worker = w;
    if (first) { say(status, "SPARQLエンジンとデータを読み込んでいます…", "Loading the SPARQL engine and the data…"); }
    ready = new Promise(function (resolve, reject) {
      w.onmessage = function (event) {
        var m = event.data;
        if (m.type === "ready") {
          resolve(m);
        } else if (m.type === "failed") {
          reject(new Error(m.message));
        } else if (pending && m.id === pending.id) {
          finish(m);
        }
      };
      w.onerror = function (event) {
        event.preventDefault();
        if (!up) {  // it did not start: the query waiting for it, if any, is told by run()
          reject(new Error(event.message || "the worker did not start"));
        } else if (pending) {
          finish({ type: "error", message: event.message, fatal: true });
        }
      };
    });
    ready.then(function (m) {
      up = true;
      if (first) {
        engine = { module: m.module, files: m.files };
        say(graphInfo, "読み込んだグラフ: " + numbers.format(m.triples) + " トリプル（エンジンとデータの取得 " +
            seconds(m.fetched_ms) + " 秒、ストアへの読み込み " + seconds(m.loaded_ms) + " 秒）",
            "Graph loaded: " + m.triples + " triples (engine and data fetched in " + seconds(m.fetched_ms) +
            " s, loaded into the store in " + seconds(m.loaded_ms) + " s)");
        graphInfo.dataset.triples = m.triples;
        if (!pending) { say(status, "準備ができました。", "Ready."); }
      }
    }, first ? failed : function (error) {
      runButton.disabled = true;
      showProblem("SPARQLエンジンを再起動できませんでした。ページを再読み込みしてください。",
                  "The SPARQL engine did not restart: reload the page.", [element("pre", "engine-message", error.message)]);
    });
    // (URLs made absolute here: in the worker a relative one is relative to the worker's script)
    w.postMessage(first ? { type: "init", wasm: absolute(config.wasm), graph: config.graph.map(function (file) {
      return { url: absolute(file.url), format: file.format };
    }) } : { type: "init", module: engine.module, files: engine.files });
  }

  function absolute(url) { return new URL(url, location.href).href; }

  function whenReady() {
    if (!worker && !ready) { startWorker(); }
    return ready;
  }

  function restart() {
    if (worker) { worker.terminate(); }
    startWorker();
  }

  // --- running a query -------------------------------------------------------------------------

  // The query's form: the first keyword after the prologue (BASE, PREFIX and VERSION declarations,
  // comments); null if there is none (the engine then says what is wrong with the query).
  function queryForm(text) {
    var rest = text;
    var skip = /^(?:\s+|#[^\n\r]*)+/;
    var declaration = /^(?:BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>|VERSION\s*(?:"[^"]*"|'[^']*'))/i;
    for (;;) {
      rest = rest.replace(skip, "");
      var m = declaration.exec(rest);
      if (!m) { break; }
      rest = rest.slice(m[0].length);
    }
    var keyword = /^(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![A-Za-z0-9_])/i.exec(rest);
    return keyword ? keyword[1].toUpperCase() : null;
  }

  function limitMs() {
    var value = Number(limitInput.value);
    return (isFinite(value) && value > 0 ? value : config.limit) * 1000;
  }

  // #results' data-state says where the last query is (running, done, error, stopped, limit), for
  // a test to wait on; the status line says it to people.
  function setRunning(running, state) {
    results.dataset.state = state;
    runButton.disabled = running;
    stopButton.disabled = !running;
    form.setAttribute("aria-busy", running ? "true" : "false");
  }

  var objectUrls = [];

  function clearResult() {
    problem.hidden = true;
    problem.textContent = "";
    answer.textContent = "";
    downloads.hidden = true;
    objectUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    objectUrls = [];
    Array.prototype.forEach.call(downloads.querySelectorAll("a"), function (a) {
      a.hidden = true;
      a.removeAttribute("href");
    });
  }

  function keepInUrl(query, push) {
    var params = new URLSearchParams(location.search);
    if (params.get("query") === query) { return; }
    params.set("query", query);
    var url = location.pathname + "?" + params.toString() + location.hash;
    if (push) { history.pushState(null, "", url); } else { history.replaceState(null, "", url); }
  }

  function run(query, push) {
    if (pending || !query.trim()) { return; }
    keepInUrl(query, push);
    clearResult();
    var kind = queryForm(query);
    var format = kind === "CONSTRUCT" || kind === "DESCRIBE" ? "text/turtle" : "application/sparql-results+json";
    var id = ++counter;
    pending = { id: id, form: kind, timer: null };
    setRunning(true, "running");
    say(status, "実行中…（停止ボタンで中止できます）", "Running… (Stop ends it)");
    whenReady().then(function () {
      if (!pending || pending.id !== id) { return; }
      var limit = limitMs();
      pending.timer = setTimeout(function () { abort("limit", limit); }, limit);
      worker.postMessage({ type: "query", id: id, query: query, format: format });
    }, function () {
      if (pending && pending.id === id) { pending = null; setRunning(false, "error"); }
    });
  }

  function abort(reason, limit) {
    if (!pending) { return; }
    clearTimeout(pending.timer);
    pending = null;
    restart();
    setRunning(false, reason === "limit" ? "limit" : "stopped");
    if (reason === "limit") {
      var s = limit / 1000;
      say(status, "中止しました（制限時間）。", "Stopped (time limit).");
      showProblem("クエリが制限時間（" + s + "秒）を超えたので中止しました。結果を絞り込むか（FILTER、LIMIT、変数を結ぶ条件）、" +
                  "制限時間を延ばしてください。",
                  "The query ran longer than the time limit (" + s + " s) and was stopped. Narrow it down (FILTER, " +
                  "LIMIT, patterns that join the variables) or allow more time.");
    } else {
      say(status, "停止しました。", "Stopped.");
    }
  }

  function finish(m) {
    var done = pending;
    clearTimeout(done.timer);
    pending = null;
    if (m.type === "result") {
      show(done.form, m.text, m.ms);
      results.dataset.ms = String(m.ms);
      setRunning(false, "done");
    } else {
      setRunning(false, "error");
      say(status, "エラーです。", "Error.");
      showError(m.message);
      if (m.fatal) { restart(); }
    }
  }

  // --- results ---------------------------------------------------------------------------------

  function offer(id, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    objectUrls.push(url);
    var a = document.getElementById(id);
    a.href = url;
    a.hidden = false;
    downloads.hidden = false;
  }

  function show(form, text, ms) {
    var took = " (" + seconds(ms) + " 秒)";
    var tookEn = " (" + seconds(ms) + " s)";
    if (form === "CONSTRUCT" || form === "DESCRIBE") {
      var bytes = new Blob([text]).size;
      say(status, form + " の結果: Turtle " + numbers.format(bytes) + " バイト" + took,
          form + " result: " + bytes + " bytes of Turtle" + tookEn);
      var pre = element("pre", "turtle");
      pre.appendChild(element("code", null, text || "# (空のグラフ)"));
      pre.setAttribute("aria-label", "結果（Turtle）");
      pre.tabIndex = 0;
      answer.appendChild(pre);
      offer("download-ttl", text, "text/turtle;charset=utf-8");
      return;
    }
    var doc = JSON.parse(text);
    if (typeof doc.boolean === "boolean") {
      say(status, "ASK の結果: " + (doc.boolean ? "はい" : "いいえ") + took, "ASK result: " + doc.boolean + tookEn);
      var p = element("p", "boolean");
      p.dataset.boolean = String(doc.boolean);
      say(p, doc.boolean ? "はい（true）" : "いいえ（false）", doc.boolean ? "yes" : "no");
      answer.appendChild(p);
      offer("download-json", text, "application/sparql-results+json;charset=utf-8");
      return;
    }
    var rows = doc.results.bindings;
    say(status, numbers.format(rows.length) + " 行" + took, rows.length + " rows" + tookEn);
    answer.appendChild(table(doc.head.vars, rows));
    offer("download-csv", csv(doc.head.vars, rows), "text/csv;charset=utf-8");
    offer("download-json", text, "application/sparql-results+json;charset=utf-8");
  }

  function table(vars, rows) {
    var wrap = element("div", "results-wrap");
    var shown = Math.min(rows.length, config.rows);
    var t = element("table", "results");
    t.id = "result-table";
    var caption = element("caption");
    if (shown < rows.length) {
      say(caption, "結果: " + numbers.format(rows.length) + " 行のうち最初の " + numbers.format(shown) +
          " 行（すべての行はダウンロードで）", "Result: the first " + shown + " of " + rows.length + " rows (download them all)");
    } else {
      say(caption, "結果: " + numbers.format(rows.length) + " 行", "Result: " + rows.length + " rows");
    }
    t.appendChild(caption);
    var head = t.createTHead().insertRow();
    vars.forEach(function (v) {
      var th = element("th", null, "?" + v);
      th.scope = "col";
      head.appendChild(th);
    });
    var body = t.createTBody();
    for (var i = 0; i < shown; i += 1) {
      var tr = body.insertRow();
      for (var j = 0; j < vars.length; j += 1) { tr.appendChild(cell(rows[i][vars[j]])); }
    }
    wrap.appendChild(t);
    if (rows.length === 0) { wrap.appendChild(element("p", "none", "（0 行）")); }
    return wrap;
  }

  // The page of this site that shows a resource of ours, from its IRI (config.links), or null.
  var NAME = /^[A-Za-z0-9_.-]+$/;
  var PATH = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
  function pageOf(iri) {
    for (var i = 0; i < config.links.length; i += 1) {
      var rule = config.links[i];
      if (rule.iri !== undefined) {
        if (iri === rule.iri) { return rule.page; }
      } else if (iri.indexOf(rule.prefix) === 0) {
        var id = iri.slice(rule.prefix.length);
        if ((rule.path ? PATH : NAME).test(id) && id.split("/").indexOf("..") < 0) {
          return rule.page.replace(/\{id\}/g, id).replace(/\{policy\}/g, id.split("-")[0]);
        }
      }
    }
    return null;
  }

  function termText(term) {
    if (term.type === "bnode") { return "_:" + term.value; }
    if (term.type === "triple") {
      return "<< " + [term.value.subject, term.value.predicate, term.value.object].map(termText).join(" ") + " >>";
    }
    return term.value;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    td.dataset.type = term.type;
    if (term.type === "uri") {
      // ours: a link to its page if it has one (else none: its IRI does not resolve yet); others: itself
      var page = pageOf(term.value);
      if (page || (/^https?:\/\//.test(term.value) && term.value.indexOf(config.base) !== 0)) {
        var a = element("a", page ? "own" : null, term.value);
        a.href = page || term.value;
        td.appendChild(a);
        return td;
      }
    }
    td.textContent = termText(term);
    if (term.type === "literal" && term["xml:lang"]) { td.lang = term["xml:lang"]; }
    return td;
  }

  function csvTerm(term) {
    if (!term) { return ""; }
    if (term.type === "uri") { return term.value; }
    if (term.type === "bnode") { return "_:" + term.value; }
    if (term.type === "triple") {
      return [term.value.subject, term.value.predicate, term.value.object].map(csvTerm).join(" ");
    }
    return /["\n\r,]/.test(term.value) ? '"' + term.value.replace(/"/g, '""') + '"' : term.value;
  }

  function csv(vars, rows) {
    var lines = [vars.join(",")];
    rows.forEach(function (row) { lines.push(vars.map(function (v) { return csvTerm(row[v]); }).join(",")); });
    return lines.join("\r\n") + "\r\n";
  }

  // --- errors ----------------------------------------------------------------------------------

  // "error at 3:17: expected …": the engine's line and column (from 1; a column counts
  // characters), or null.
  function syntaxError(message) {
    var m = /^error at (\d+):(\d+): ([\s\S]*)$/.exec(message);
    return m ? { line: Number(m[1]), column: Number(m[2]), message: m[3] } : null;
  }

  function showError(message) {
    var syntax = syntaxError(message);
    var engineMessage = element("pre", "engine-message", message);
    engineMessage.lang = "en";
    if (!syntax) {
      showProblem("エラー: SPARQLエンジンが次のように報告しました。", "Error: the SPARQL engine says:", [engineMessage]);
      return;
    }
    var lines = editor.value.split("\n");
    var line = lines[syntax.line - 1];
    var details = [engineMessage];
    if (line !== undefined) {
      var chars = Array.from(line);
      var before = chars.slice(0, syntax.column - 1).join("");
      var excerpt = element("pre", "excerpt");
      excerpt.tabIndex = 0;  // a long line scrolls sideways (keeping the ^ under its column)
      excerpt.appendChild(element("code", null, line + "\n" + before.replace(/[^\t]/g, " ") + "^"));
      details.push(excerpt);
      var offset = lines.slice(0, syntax.line - 1).reduce(function (n, l) { return n + l.length + 1; }, 0) + before.length;
      editor.setSelectionRange(offset, Math.min(offset + 1, editor.value.length));
    }
    showProblem("構文エラー（" + syntax.line + " 行目、" + syntax.column + " 文字目）: クエリを直してください。SPARQLエンジンのメッセージ:",
                "Syntax error at line " + syntax.line + ", column " + syntax.column + ": correct the query. The SPARQL engine says:",
                details);
    problem.dataset.line = String(syntax.line);
    problem.dataset.column = String(syntax.column);
  }

  // --- wiring ----------------------------------------------------------------------------------

  if (typeof Worker === "undefined" || typeof WebAssembly === "undefined" || !window.URLSearchParams) {
    runButton.disabled = true;
    showProblem("このブラウザでは動きません（Web Worker と WebAssembly が必要です）。", "This browser cannot run the page: it needs Web Workers and WebAssembly.");
    return;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(editor.value, true);
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run(editor.value, true);
    }
  });
  stopButton.addEventListener("click", function () { abort("stop"); });
  Array.prototype.forEach.call(document.querySelectorAll("button[data-example]"), function (button) {
    var source = document.getElementById("query-" + button.getAttribute("data-example"));
    button.addEventListener("click", function () {
      if (pending) { return; }
      editor.value = source.textContent;
      form.scrollIntoView();
      run(editor.value, true);
    });
    button.hidden = false;
  });
  window.addEventListener("popstate", function () {
    var query = new URLSearchParams(location.search).get("query");
    if (query !== null && query !== editor.value && !pending) {
      editor.value = query;
      run(query, false);
    }
  });

  var initial = new URLSearchParams(location.search).get("query");
  if (initial !== null) { editor.value = initial; }
  // The engine is fetched once the page has loaded, so that the page itself shows first.
  function start() {
    whenReady();
    if (initial !== null) { run(initial, false); }
  }
  if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
}());
