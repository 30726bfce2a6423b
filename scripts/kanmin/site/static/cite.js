// The copy buttons of a policy page's citations (button[data-copy] names the element whose text
// it copies). Without this script the buttons stay hidden and the citations are plain text to
// select. The text goes to the clipboard with navigator.clipboard.writeText; where that API is
// missing (an old browser, a page not served over HTTPS) or refuses, the text is selected instead
// and the reader is told to copy it with the keyboard.
(function () {
  "use strict";
  if (!window.getSelection || !document.createRange) { return; }

  // A message in Japanese with its English in a lang="en" element, as everywhere on the site.
  function say(status, ja, en) {
    var english = document.createElement("span");
    english.lang = "en";
    english.className = "en";
    english.textContent = en;
    status.textContent = ja + " ";
    status.appendChild(english);
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (!target || !status) { return; }
    function fallback() {
      select(target);
      say(status, "自動でコピーできませんでした。選択された文字列を Ctrl+C（Mac は ⌘+C）でコピーしてください。",
          "Could not copy automatically: the text is selected, copy it with Ctrl+C (⌘+C on a Mac).");
    }
    button.addEventListener("click", function () {
      var text = target.textContent;
      if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
        navigator.clipboard.writeText(text).then(function () {
          say(status, "コピーしました。", "Copied.");
        }, fallback);
      } else {
        fallback();
      }
    });
    button.hidden = false;
  });
}());
