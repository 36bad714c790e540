/* The outbox on the page (docs/offline.md): the service worker keeps the captures made with no network;
   this script says who is logged in, shows « N en attente », lists what waits, asks for a send at the right
   moments (load, online, page visible, periodic retry with backoff) and warns before a logout. */
(function () {
  "use strict";

  var body = document.body;
  var account = body && body.dataset.account;
  if (!("serviceWorker" in navigator) || !account) return;

  var counter = document.getElementById("outbox-counter");
  var panel = document.getElementById("outbox-list");
  var waiting = 0;
  var backoff = 5000;
  var timer = null;

  /* One question to the service worker, one answer (MessageChannel). */
  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { resolve(event.data); };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }

  function timeText(iso) {
    return new Date(iso).toLocaleString("fr-FR", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  }

  /* The server's refusal is an HTML fragment: show only its text messages (or only those matching `only`). */
  function reasonText(html, only) {
    if (!html || html.indexOf("<") === -1) return html;
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = (only && doc.querySelectorAll(only).length) ? doc.querySelectorAll(only) : doc.querySelectorAll(".error, [role=alert], .errors li, h1");
    var texts = Array.prototype.map.call(found, function (n) { return n.textContent.trim(); }).filter(Boolean);
    return texts.length ? texts.join(" ") : "Refusée par le serveur.";
  }

  function render(list) {
    waiting = list.length;
    counter.hidden = waiting === 0;
    counter.textContent = waiting + " en attente";
    if (waiting === 0) panel.hidden = true;
    var ul = panel.querySelector("ul");
    ul.textContent = "";
    list.forEach(function (entry) {
      var li = document.createElement("li");
      var state = { waiting: "en attente d'envoi", login: "reconnectez-vous pour l'envoyer", refused: "refusée" }[entry.state];
      li.textContent = entry.label + " — " + timeText(entry.made_at) + " — " + state;
      if (entry.state !== "waiting") {
        var p = document.createElement("p");
        p.className = entry.state === "refused" ? "error" : "help";
        p.textContent = entry.state === "refused" ? reasonText(entry.reason) : entry.reason;
        li.appendChild(p);
      }
      if (entry.state === "login") {
        var a = document.createElement("a");
        a.className = "button";
        a.href = body.dataset.login + "?next=" + encodeURIComponent(location.pathname);
        a.textContent = "Se reconnecter";
        li.appendChild(a);
      }
      if (entry.state === "refused" && entry.page) {
        // Correcting opens the screen it was typed on, filled with what was typed (restore() below).
        var fix = document.createElement("button");
        fix.type = "button";
        fix.className = "button";
        fix.textContent = "Corriger";
        fix.addEventListener("click", function () {
          sessionStorage.setItem(FIX, JSON.stringify({ key: entry.key, restored: false }));
          location.assign(entry.page);
        });
        li.appendChild(fix);
      }
      if (entry.state === "refused") {
        // Discarding is always explicit: a refused capture stays until the person says so.
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button secondary";
        discard.textContent = "Abandonner cette saisie";
        discard.addEventListener("click", function () {
          if ((readFix() || {}).key === entry.key) sessionStorage.removeItem(FIX);
          ask({ type: "discard", key: entry.key }).then(refresh);
        });
        li.appendChild(discard);
      }
      ul.appendChild(li);
    });
  }

  function refresh() { return ask({ type: "list" }).then(render); }

  /* Correcting a refused capture: the refused entry stays in the outbox until its corrected capture is sent
     (recorded, or kept again with no network) or the person discards it. FIX in sessionStorage: { key, url,
     restored }. */
  var FIX = "terrain.fix";

  function pathOf(url) { return new URL(url, location.href).pathname; }

  function readFix() {
    try { return JSON.parse(sessionStorage.getItem(FIX) || "null"); } catch (e) { return null; }
  }

  /* The form of this screen that sends to the entry's URL; among several (one per skill), the one whose hidden
     fields hold what was sent. */
  function formFor(entry) {
    var sent = {};
    entry.fields.forEach(function (pair) { sent[pair[0]] = pair[1]; });
    return Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return pathOf(form.getAttribute("hx-post") || form.getAttribute("action") || "") === pathOf(entry.url);
    }).filter(function (form) {
      return Array.prototype.every.call(form.querySelectorAll('input[type="hidden"]'), function (input) {
        return !(input.name in sent) || /^(csrf_token|client_key|happened_at)$/.test(input.name) || sent[input.name] === input.value;
      });
    })[0];
  }

  /* Fill the server's form with what was typed (not the key: the corrected capture is a new one; not the level
     or status buttons: tapping one sends it; a photo is put back into its file input). */
  function restore() {
    var fix = readFix();
    if (!fix || fix.restored) return;
    ask({ type: "entry", key: fix.key }).then(function (entry) {
      var form = entry && formFor(entry);
      if (!entry) sessionStorage.removeItem(FIX);
      if (!form) return;
      var typed = entry.fields.filter(function (pair) {
        return typeof pair[1] === "string" && !/^(client_key|happened_at)$/.test(pair[0])
          && !form.querySelector('button[name="' + pair[0] + '"]');
      });
      window.Terrain.fillForm(form, typed);
      entry.fields.forEach(function (pair) {
        var input = typeof pair[1] !== "string" && pair[1].size && form.querySelector('input[type="file"][name="' + pair[0] + '"]');
        if (!input) return;
        var files = new DataTransfer();
        files.items.add(new File([pair[1]], pair[1].name || "photo.jpg", { type: pair[1].type }));
        input.files = files.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      for (var open = form.closest("details"); open; open = open.parentElement.closest("details")) open.open = true;
      var note = document.createElement("p");
      note.className = "banner error";
      note.setAttribute("role", "alert");
      // The message of the field at fault, rather than the summary that points at it.
      note.textContent = "Saisie refusée. " + reasonText(entry.reason, '.error[id$="-error"]') + " Elle a été remise dans le formulaire : corrigez-la puis enregistrez.";
      form.insertBefore(note, form.firstChild);
      note.scrollIntoView({ block: "start" });
      sessionStorage.setItem(FIX, JSON.stringify({ key: fix.key, url: entry.url, restored: true }));
    });
  }

  /* The corrected capture left (recorded, or kept in the outbox again): the refused one goes. */
  function corrected(event) {
    var fix = readFix();
    var sent = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (!fix || !fix.url || !sent || pathOf(sent) !== pathOf(fix.url) || !event.detail.successful) return;
    sessionStorage.removeItem(FIX);
    ask({ type: "discard", key: fix.key }).then(refresh);
  }

  /* Ask for a send now; when something still waits, try again later, each time a little later (5 s … 5 min). */
  function send() {
    window.clearTimeout(timer);
    return ask({ type: "replay" }).then(refresh).then(function () {
      if (waiting && navigator.onLine !== false) {
        timer = window.setTimeout(send, backoff);
        backoff = Math.min(backoff * 2, 300000);
      } else {
        backoff = 5000;
      }
    });
  }

  counter.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    counter.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) panel.focus();
  });

  navigator.serviceWorker.addEventListener("message", function (event) {
    if (event.data && event.data.type === "outbox-changed") refresh();
  });

  // A capture the worker kept: the form gets a fresh key for the next capture.
  document.addEventListener("htmx:afterRequest", function (event) {
    corrected(event);
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("X-Terrain-Queued")) return;
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    var key = form && form.querySelector('input[name="client_key"]');
    if (key) key.value = "";
    refresh();
  });

  // Logging out empties the phone (Clear-Site-Data): with captures waiting, warn and offer to send them first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-logout]") || !waiting || form.dataset.confirmed) return;
    event.preventDefault();
    var box = document.getElementById("logout-warning") || document.createElement("div");
    box.id = "logout-warning";
    box.className = "card notice";
    box.setAttribute("role", "alert");
    box.textContent = "";
    var p = document.createElement("p");
    p.textContent = waiting + " saisie(s) attendent encore d'être envoyées : la déconnexion les effacerait de ce téléphone.";
    var first = document.createElement("button");
    first.type = "button";
    first.className = "button";
    first.textContent = "Envoyer d'abord";
    first.addEventListener("click", function () {
      send().then(function () {
        p.textContent = waiting ? "Toujours pas envoyées : pas de réseau. Réessayez plus tard." : "Tout est envoyé : vous pouvez vous déconnecter.";
      });
    });
    var anyway = document.createElement("button");
    anyway.type = "button";
    anyway.className = "button secondary";
    anyway.textContent = "Se déconnecter quand même";
    anyway.addEventListener("click", function () { form.dataset.confirmed = "1"; form.requestSubmit(); });
    box.append(p, first, anyway);
    form.insertAdjacentElement("beforebegin", box);
  }, true);

  window.addEventListener("online", function () { backoff = 5000; send(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") send(); });
  ask({ type: "hello", account: account, alerts: body.dataset.alerts === "1" }).then(send);
  restore();
})();
