// Filters and search of the index page. Without this script the page shows every policy.
// The form's state is the URL's query string (q, pillar, lead, ministry, fy, notset, budget), so a
// filtered view can be bookmarked and shared; a query is matched as a substring of each policy's
// text after the same normalisation (NFKC, lower case) that the build applied to the text.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("policies");
  var data = document.getElementById("search-data");
  if (!form || !table || !data) { return; }
  var texts = JSON.parse(data.textContent);
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("count");
  var empty = document.getElementById("no-results");
  var NAMES = ["q", "pillar", "lead", "ministry", "fy", "notset", "budget"];

  function norm(s) { return s.normalize("NFKC").toLowerCase(); }
  function hasWord(list, word) { return (" " + list + " ").indexOf(" " + word + " ") >= 0; }

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
  }

  function matches(row, s) {
    var d = row.dataset;
    if (s.pillar && d.pillar !== s.pillar) { return false; }
    if (s.lead && !hasWord(d.leads, s.lead)) { return false; }
    if (s.ministry && !hasWord(d.ministries, s.ministry)) { return false; }
    if (s.fy && d.fy !== s.fy) { return false; }
    if (s.notset && d.notset !== "1") { return false; }
    if (s.budget && d.budget !== "1") { return false; }
    if (s.q && texts[d.id].indexOf(norm(s.q)) < 0) { return false; }
    return true;
  }

  function apply() {
    var s = state();
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row, s);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = "";
    count.appendChild(document.createTextNode(rows.length + "件中 " + shown + "件 "));
    var en = document.createElement("span");
    en.lang = "en";
    en.textContent = "(" + shown + " of " + rows.length + " policies)";
    count.appendChild(en);
    empty.hidden = shown > 0;
    var params = new URLSearchParams();
    NAMES.forEach(function (name) { if (s[name]) { params.set(name, s[name]); } });
    var query = params.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, "", url);
    }
  }

  setState(new URLSearchParams(window.location.search));
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });
  window.addEventListener("popstate", function () { setState(new URLSearchParams(window.location.search)); apply(); });
  apply();
}());
