// The index page: filters, a search and sorting. Without this script the page shows every policy
// in No order. The state is the URL's query string (q, pillar, lead, ministry, fy, notset, budget,
// and sort: a column's key, "-" before it for descending, absent for No ascending), so a view can
// be bookmarked and shared.
//
// Search: the query is normalised (NFKC, lower case: full-width and half-width forms are one) and
// split at spaces, half-width or full-width (U+3000); a policy must match every word (AND).
// - A word of digits alone (7, ７) that is some policy's No matches that No only: a number would
//   otherwise match dates and amounts in nearly every text.
// - A word shaped like a policy code (02-01, ０２－０１, 2-1; 02- for every code of 02) that matches
//   some policy's code matches codes only.
// - Any other word (and a number or code that names no policy) is a substring of the policy's
//   name, overview, KPIs or support measures. Those texts come as printed (#search-data) and are
//   normalised here one character (with its combining marks) at a time, so that every normalised
//   character knows the printed characters it came from and a match can be marked in the text.
// Matched words are marked (<mark>) in the name, the No and the code; a word found only outside
// the name gets a snippet: up to CONTEXT characters either side of it within its line of the
// field, labelled with the field's title. Every text of the data reaches the page through
// textContent or a text node, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("policies");
  var data = document.getElementById("search-data");
  if (!form || !table || !data) { return; }
  var search = JSON.parse(data.textContent);
  var tbody = table.tBodies[0];
  var count = document.getElementById("count");
  var caption = document.getElementById("caption");
  var empty = document.getElementById("no-results");
  var NAMES = ["q", "pillar", "lead", "ministry", "fy", "notset", "budget"];
  var CONTEXT = 20;
  var MAX_SNIPPETS = 3;
  var COMBINING = /[\p{M}\uff9e\uff9f]/u; // marks that NFKC may compose with the character before
  var CODE = /^(\d+)[-\u2010-\u2015\u2212\u30fc](\d*)$/; // any dash, or the long-vowel mark an IME gives
  var collator = new Intl.Collator("ja", { numeric: true });

  function norm(s) { return s.normalize("NFKC").toLowerCase(); }
  function hasWord(list, word) { return (" " + list + " ").indexOf(" " + word + " ") >= 0; }
  function text(s) { return document.createTextNode(s); }

  // The normalised form of a printed text, and for each of its code units the printed span
  // [from, to) it came from.
  function mapped(printed) {
    var parts = [], from = [], to = [], i = 0;
    while (i < printed.length) {
      var c = printed.charCodeAt(i), j = i + 1;
      if (c >= 0xd800 && c < 0xdc00 && j < printed.length) { j += 1; }
      while (j < printed.length && COMBINING.test(printed.charAt(j))) { j += 1; }
      var piece = c < 0x80 && j === i + 1 ? printed.charAt(i).toLowerCase() : norm(printed.slice(i, j));
      for (var k = 0; k < piece.length; k += 1) { from.push(i); to.push(j); }
      parts.push(piece);
      i = j;
    }
    return { printed: printed, text: parts.join(""), from: from, to: to };
  }

  var rows = Array.prototype.map.call(tbody.rows, function (tr, index) {
    var code = tr.cells[1].textContent.trim().split("-");
    return {
      tr: tr, index: index, id: Number(tr.dataset.id), link: tr.cells[2].querySelector("a"),
      major: Number(code[0]), minor: Number(code[1]), shown: "", snippets: null, fields: null
    };
  });
  rows.forEach(function (row) { row.name = mapped(row.link.textContent); });
  var byNo = {};
  rows.forEach(function (row) { byNo[row.id] = row; });

  function fieldsOf(row) { // normalised when first searched, not at load
    if (!row.fields) { row.fields = (search.policies[row.tr.dataset.id] || []).map(mapped); }
    return row.fields;
  }

  function codeMatches(row, word) {
    return row.major === word.major && (word.minor === null || row.minor === word.minor);
  }

  function parse(q) {
    return norm(q).split(/\s+/).filter(Boolean).map(function (w) {
      if (/^\d+$/.test(w) && byNo[Number(w)]) { return { kind: "no", no: Number(w) }; }
      var m = CODE.exec(w);
      if (m) {
        var word = { kind: "code", major: Number(m[1]), minor: m[2] === "" ? null : Number(m[2]) };
        if (rows.some(function (row) { return codeMatches(row, word); })) { return word; }
      }
      return { kind: "text", text: w };
    });
  }

  // Where a text word is found first: -1 in the name, the index of a searched field, or null.
  function where(row, word) {
    if (row.name.text.indexOf(word.text) >= 0) { return -1; }
    var fields = fieldsOf(row);
    for (var i = 0; i < fields.length; i += 1) {
      if (fields[i].text.indexOf(word.text) >= 0) { return i; }
    }
    return null;
  }

  function wordMatches(row, word) {
    if (word.kind === "no") { return row.id === word.no; }
    if (word.kind === "code") { return codeMatches(row, word); }
    return where(row, word) !== null;
  }

  function matches(row, s, words) {
    var d = row.tr.dataset;
    if (s.pillar && d.pillar !== s.pillar) { return false; }
    if (s.lead && !hasWord(d.leads, s.lead)) { return false; }
    if (s.ministry && !hasWord(d.ministries, s.ministry)) { return false; }
    if (s.fy && d.fy !== s.fy) { return false; }
    if (s.notset && d.notset !== "1") { return false; }
    if (s.budget && d.budget !== "1") { return false; }
    return words.every(function (word) { return wordMatches(row, word); });
  }

  // The printed spans of the text words found within [lo, hi) of a mapped text, sorted and merged.
  function spans(m, words, lo, hi) {
    var found = [];
    words.forEach(function (word) {
      for (var at = m.text.indexOf(word.text, lo); at >= 0 && at + word.text.length <= hi;
        at = m.text.indexOf(word.text, at + 1)) {
        found.push([m.from[at], m.to[at + word.text.length - 1]]);
      }
    });
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var merged = [];
    found.forEach(function (span) {
      var last = merged[merged.length - 1];
      if (last && span[0] <= last[1]) { last[1] = Math.max(last[1], span[1]); } else { merged.push(span.slice()); }
    });
    return merged;
  }

  // Append printed[start, end) to parent, the spans in it as <mark> elements.
  function appendMarked(parent, printed, start, end, marks) {
    var pos = start;
    marks.forEach(function (span) {
      var a = Math.max(span[0], pos), b = Math.min(span[1], end);
      if (a >= b) { return; }
      if (a > pos) { parent.appendChild(text(printed.slice(pos, a))); }
      var mark = document.createElement("mark");
      mark.textContent = printed.slice(a, b);
      parent.appendChild(mark);
      pos = b;
    });
    if (pos < end) { parent.appendChild(text(printed.slice(pos, end))); }
  }

  function markCell(cell, on) {
    var value = cell.textContent;
    cell.textContent = "";
    if (on) {
      var mark = document.createElement("mark");
      mark.textContent = value;
      cell.appendChild(mark);
    } else {
      cell.appendChild(text(value));
    }
  }

  // A snippet of the field where a word outside the name was found, or null when one already
  // shown holds that place.
  function snippet(row, word, shown) {
    var i = where(row, word);
    if (i === null || i < 0) { return null; }
    var f = fieldsOf(row)[i], t = f.text, at = t.indexOf(word.text);
    if (shown.some(function (s) { return s[0] === i && s[1] <= at && at + word.text.length <= s[2]; })) { return null; }
    var lineStart = t.lastIndexOf("\n", at) + 1;
    var lineEnd = t.indexOf("\n", at) < 0 ? t.length : t.indexOf("\n", at);
    var lo = Math.max(lineStart, at - CONTEXT), hi = Math.min(lineEnd, at + word.text.length + CONTEXT);
    shown.push([i, lo, hi]);
    var p = document.createElement("p");
    p.className = "snippet";
    var label = document.createElement("span");
    label.className = "field-name";
    label.textContent = search.fields[i] + "：";
    p.appendChild(label);
    if (lo > lineStart) { p.appendChild(text("…")); }
    appendMarked(p, f.printed, f.from[lo], f.to[hi - 1], spans(f, row.words, lo, hi));
    if (hi < lineEnd) { p.appendChild(text("…")); }
    return p;
  }

  // Marks and snippets of a shown row for the words (redone only when the words change).
  function render(row, words, key) {
    if (row.shown === key) { return; }
    row.shown = key;
    row.words = words.filter(function (w) { return w.kind === "text"; });
    row.link.textContent = "";
    appendMarked(row.link, row.name.printed, 0, row.name.printed.length,
      spans(row.name, row.words, 0, row.name.text.length));
    markCell(row.tr.cells[0], words.some(function (w) { return w.kind === "no" && wordMatches(row, w); }));
    markCell(row.tr.cells[1], words.some(function (w) { return w.kind === "code" && wordMatches(row, w); }));
    if (row.snippets) { row.snippets.remove(); row.snippets = null; }
    var shown = [], box = document.createElement("div");
    box.className = "snippets";
    row.words.forEach(function (word) {
      var p = shown.length < MAX_SNIPPETS ? snippet(row, word, shown) : null;
      if (p) { box.appendChild(p); }
    });
    if (box.firstChild) { row.snippets = box; row.tr.cells[2].appendChild(box); }
  }

  // Sorting. A cell that says there is nothing (記載なし, —) sorts last in either direction; ties
  // keep No order, whichever the direction.
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var pillars = {};
  Array.prototype.forEach.call(form.elements.pillar.options, function (o, i) { pillars[o.value] = i; });
  function none(row, column) { return row.tr.cells[column].querySelector(".none") !== null; }
  var KEYS = {
    no: function (row) { return row.id; },
    code: function (row) { return row.major * 1000 + row.minor; },
    name: function (row) { return row.name.printed; },
    lead: function (row) { return row.tr.cells[3].textContent.trim() || null; },
    pillar: function (row) { return none(row, 4) ? null : pillars[row.tr.dataset.pillar]; },
    fy: function (row) { return none(row, 5) ? null : Number(row.tr.dataset.fy); },
    kpis: function (row) { return Number(row.tr.dataset.kpis); }
  };
  var DEFAULT_SORT = { key: "no", dir: 1 };
  var sort = DEFAULT_SORT;

  function parseSort(value) {
    var m = /^(-?)([a-z]+)$/.exec(value || "");
    if (!m || !KEYS[m[2]] || (m[2] === DEFAULT_SORT.key && !m[1])) { return DEFAULT_SORT; }
    return { key: m[2], dir: m[1] ? -1 : 1 };
  }

  function compare(a, b) {
    var x = KEYS[sort.key](a), y = KEYS[sort.key](b), c;
    if (x === null || y === null) {
      c = x === null ? (y === null ? 0 : 1) : -1;
    } else {
      c = sort.dir * (typeof x === "number" ? x - y : collator.compare(x, y));
    }
    return c || a.index - b.index;
  }

  function label(th, lang) { // a header's Japanese text (before its English span) or English text
    var en = th.querySelector("[lang=en]");
    if (lang === "en") { return en ? en.textContent : th.textContent.trim(); }
    return (th.querySelector("button") || th).firstChild.textContent.trim();
  }

  function sortRows() {
    var ordered = rows.slice().sort(compare);
    if (ordered.some(function (row, i) { return tbody.rows[i] !== row.tr; })) {
      ordered.forEach(function (row) { tbody.appendChild(row.tr); });
    }
    headers.forEach(function (th) {
      if (th.dataset.sort === sort.key) {
        th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  function state() {
    var s = {};
    NAMES.forEach(function (name) {
      var el = form.elements[name];
      var value = el.type === "checkbox" ? (el.checked ? "1" : "") : el.value.trim();
      if (value) { s[name] = value; }
    });
    return s;
  }

  function setState(params) {
    NAMES.forEach(function (name) {
      var el = form.elements[name];
      var value = params.get(name) || "";
      if (el.type === "checkbox") { el.checked = value === "1"; } else { el.value = value; }
      if (el.tagName === "SELECT" && el.selectedIndex < 0) { el.value = ""; }
    });
    sort = parseSort(params.get("sort"));
  }

  // What is shown, in Japanese and English: 「75件中 12件を表示」, with the order when not by No.
  function describe(shown, filtered) {
    var ja = filtered ? rows.length + "件中 " + shown + "件を表示" : "全" + rows.length + "件を表示";
    var en = filtered ? shown + " of " + rows.length + " policies shown" : "all " + rows.length + " policies shown";
    if (sort !== DEFAULT_SORT) {
      var th = headers.filter(function (h) { return h.dataset.sort === sort.key; })[0];
      ja += "・" + label(th, "ja") + "の" + (sort.dir > 0 ? "昇順" : "降順");
      en += ", by " + label(th, "en") + (sort.dir > 0 ? " ascending" : " descending");
    }
    return { ja: ja, en: en };
  }

  function say(element, ja, en) {
    element.textContent = "";
    element.appendChild(text(ja + " "));
    var span = document.createElement("span");
    span.className = "en";
    span.lang = "en";
    span.textContent = en;
    element.appendChild(span);
  }

  function apply() {
    var s = state();
    var words = parse(s.q || "");
    var key = JSON.stringify(words);
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, s, words);
      row.tr.hidden = !ok;
      if (ok) {
        shown += 1;
        render(row, words, key);
      }
    });
    sortRows();
    var what = describe(shown, Object.keys(s).length > 0);
    say(count, what.ja, "(" + what.en + ")");
    say(caption, "国の施策：" + what.ja + "（◎は主担当）", "National policies: " + what.en + "; ◎ = lead");
    empty.hidden = shown > 0;
    var params = new URLSearchParams();
    NAMES.forEach(function (name) { if (s[name]) { params.set(name, s[name]); } });
    if (sort !== DEFAULT_SORT) { params.set("sort", (sort.dir < 0 ? "-" : "") + sort.key); }
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, "", url);
    }
  }

  table.classList.add("sortable");
  headers.forEach(function (th) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    var arrow = document.createElement("span");
    arrow.className = "arrow";
    arrow.setAttribute("aria-hidden", "true");
    button.appendChild(arrow);
    th.appendChild(button);
    button.addEventListener("click", function () {
      var key = th.dataset.sort;
      sort = { key: key, dir: sort.key === key ? -sort.dir : 1 };
      if (sort.key === DEFAULT_SORT.key && sort.dir === DEFAULT_SORT.dir) { sort = DEFAULT_SORT; }
      apply();
    });
  });
  setState(new URLSearchParams(window.location.search));
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  window.addEventListener("popstate", function () { setState(new URLSearchParams(window.location.search)); apply(); });
  apply();
}());
