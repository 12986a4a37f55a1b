// Live pages: the dashboard's event stream says "change" when the event
// log grows or what runs changes; the page then fetches itself and swaps
// in its new <main>, keeping focus, scroll and what the user was typing.
(function () {
  "use strict";
  var url = document.body.getAttribute("data-live");
  if (!url || !window.EventSource) return;
  var status = document.querySelector(".live-status");
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (res) {
        if (res.redirected && res.url.indexOf("/dashboard/sign-in") >= 0) { location.href = res.url; return null; }
        return res.ok ? res.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var next = new DOMParser().parseFromString(html, "text/html").querySelector("main");
        var main = document.querySelector("main");
        if (!next || !main || next.innerHTML === main.innerHTML) return;
        var active = document.activeElement, focused = active && active.id;
        var caret = focused && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
        var typed = typedValues(main);
        main.innerHTML = next.innerHTML;
        Object.keys(typed).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) el[typed[id][0]] = typed[id][1];
        });
        var refocus = focused && document.getElementById(focused);
        if (refocus) {
          refocus.focus();
          try { if (caret) refocus.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ }
        }
        document.body.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  // typedValues is what the user typed or ticked in the page's fields and
  // has not sent yet, and the details they opened, by id, so that a redraw
  // keeps it.
  function typedValues(root) {
    var out = {};
    root.querySelectorAll("details[id][open]").forEach(function (el) { out[el.id] = ["open", true]; });
    root.querySelectorAll("input[id], textarea[id]").forEach(function (el) {
      if (el.type === "hidden") return;
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked !== el.defaultChecked) out[el.id] = ["checked", el.checked];
      } else if (el.value !== el.defaultValue) {
        out[el.id] = ["value", el.value];
      }
    });
    return out;
  }
  var source = new EventSource(url);
  source.addEventListener("change", refresh);
  // Charts gain a reading every so often without an event saying so.
  var every = document.querySelector("[data-refresh]");
  if (every) setInterval(refresh, 1000 * Number(every.getAttribute("data-refresh")));
  source.onopen = function () { if (status) status.textContent = "Live"; };
  source.onerror = function () { if (status) status.textContent = "Reconnecting…"; };
})();

// The log page: follow the app's log stream, append each line, keep the
// newest 1,500 and stay scrolled to the bottom unless the reader scrolled
// up. A filter change reloads the page with the new process.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
  var pre = document.getElementById("log");
  if (!pre || !window.EventSource) return;
  var waiting = document.getElementById("log-waiting");
  var status = document.querySelector(".live-status");
  var source = new EventSource(pre.getAttribute("data-stream"));
  source.onmessage = function (e) {
    var atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
    pre.appendChild(document.createTextNode(e.data + "\n"));
    while (pre.childNodes.length > 1500) pre.removeChild(pre.firstChild);
    if (waiting) { waiting.remove(); waiting = null; }
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  };
  var opened = false;
  source.onopen = function () {
    // A reconnected stream starts with the backlog again.
    if (opened) pre.textContent = "";
    opened = true;
    if (status) status.textContent = "Live";
  };
  source.onerror = function () { if (status) status.textContent = "Reconnecting…"; };
})();

// A running build's page: append its output as it comes; when the build
// settles, load the page again to show how it ended.
(function () {
  "use strict";
  var pre = document.getElementById("build-output");
  var url = pre && pre.getAttribute("data-stream");
  if (!url || !window.EventSource) return;
  var source = new EventSource(url);
  source.onopen = function () { pre.textContent = ""; }; // the stream starts from the beginning
  source.onmessage = function (e) {
    var atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 40;
    pre.appendChild(document.createTextNode(e.data));
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  };
  source.addEventListener("end", function () { source.close(); location.reload(); });
})();
