/* 养老顾问工作台: the little a server-rendered page cannot do by itself. No framework, no inline
   script (the console's Content-Security-Policy allows scripts from this file only).

   紧急提醒: while any console page is open, the urgent feed is polled; an emergency or scam
   turn the browser has not announced yet raises a notification and a short sound. Announced
   ids are kept in localStorage so moving between pages does not ring again. */
(function () {
  "use strict";
  var POLL_MS = 15000;
  var KEY = "advisor-urgent-announced";
  var feed = document.body.getAttribute("data-urgent-feed");
  if (!feed) { return; }

  function announced() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function remember(ids) {
    try { window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-500))); } catch (e) { /* private mode */ }
  }

  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    var audio = new Context();
    var tone = audio.createOscillator();
    var gain = audio.createGain();
    tone.type = "sine";
    tone.frequency.value = 880;
    gain.gain.value = 0.25;
    tone.connect(gain);
    gain.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.7);
  }

  function notify(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") { return; }
    var note = new Notification("紧急事项：" + item.label, { body: item.text, tag: "urgent-" + item.id });
    note.onclick = function () { window.focus(); window.location.href = item.url; };
  }

  function showCount(count) {
    var badge = document.getElementById("urgent-count");
    if (badge) { badge.textContent = String(count); badge.hidden = count === 0; }
  }

  function poll() {
    fetch(feed, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.items) { return; }
        var known = announced();
        var fresh = data.items.filter(function (item) { return known.indexOf(item.id) < 0; });
        if (fresh.length) {
          fresh.forEach(notify);
          chime();
          remember(known.concat(fresh.map(function (item) { return item.id; })));
        }
        showCount(data.count);
      })
      .catch(function () { /* offline or signed out: try again at the next poll */ });
  }

  function offerAlerts() {
    var button = document.getElementById("urgent-alerts");
    if (!button || !("Notification" in window) || Notification.permission !== "default") { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      Notification.requestPermission().then(function () { button.hidden = true; chime(); });
    });
  }

  offerAlerts();
  poll();
  window.setInterval(poll, POLL_MS);
}());

/* 确认: a form with data-confirm asks before it is sent (an inline onsubmit would be blocked
   by the Content-Security-Policy). */
document.addEventListener("submit", function (event) {
  "use strict";
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) { event.preventDefault(); }
});

/* 手机: the menu folds behind a 菜单 button (without this script it simply stays open), and each
   table cell learns its column's name, which the phone layout shows in front of it (tables
   become one card per row there). */
(function () {
  "use strict";
  var header = document.querySelector("header.top");
  var toggle = document.getElementById("menu-toggle");
  if (header && toggle) {
    header.classList.add("foldable");
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (heads[index] && !cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
          cell.setAttribute("data-label", heads[index]);
        }
      });
    });
  });
}());

/* 常用回复: a button with data-insert puts its text into the reply box (data-target), at the cursor. */
document.addEventListener("click", function (event) {
  "use strict";
  var button = event.target.closest ? event.target.closest("[data-insert]") : null;
  var box = button && document.getElementById(button.getAttribute("data-target"));
  if (!box) { return; }
  var text = button.getAttribute("data-insert");
  var start = box.selectionStart || box.value.length;
  box.value = box.value.slice(0, start) + text + box.value.slice(box.selectionEnd || start);
  box.focus();
  box.selectionStart = box.selectionEnd = start + text.length;
});
