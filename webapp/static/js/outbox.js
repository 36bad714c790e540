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

  /* The server's refusal is an HTML fragment: show only its text messages. */
  function reasonText(html) {
    if (!html || html.indexOf("<") === -1) return html;
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = doc.querySelectorAll(".error, [role=alert], .errors li, h1");
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
      if (entry.state === "refused") {
        // Discarding is always explicit: a refused capture stays until the person says so.
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button secondary";
        discard.textContent = "Abandonner cette saisie";
        discard.addEventListener("click", function () { ask({ type: "discard", key: entry.key }).then(refresh); });
        li.appendChild(discard);
      }
      ul.appendChild(li);
    });
  }

  function refresh() { return ask({ type: "list" }).then(render); }

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
})();
