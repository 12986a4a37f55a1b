// Live pages: the dashboard's event stream says "change" when the event
// log grows or what runs changes; the page then fetches itself and swaps
// in its new <main>, keeping focus and scroll where they were.
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
        var focused = document.activeElement && document.activeElement.id;
        main.innerHTML = next.innerHTML;
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        document.body.setAttribute("data-updated", String(Date.now()));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var source = new EventSource(url);
  source.addEventListener("change", refresh);
  source.onopen = function () { if (status) status.textContent = "Live"; };
  source.onerror = function () { if (status) status.textContent = "Reconnecting…"; };
})();
