/* Urgent alerts on the phone: an alert the server did not take (no network, server error, session expired)
   is kept and replayed once, with its time; the "Activer les notifications" button subscribes this device
   to Web Push. */
(function () {
  "use strict";

  var STORE = "terrain.pendingAlerts";
  var RETRY_MS = 5000;
  var replaying = false;

  var csrfToken = window.Terrain.csrfToken;

  function pending() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }

  function savePending(list) {
    window.localStorage.setItem(STORE, JSON.stringify(list));
  }

  function toast(message) { window.Terrain.toast(message, 8000); }

  function timeText(iso) {
    var d = new Date(iso);
    return d.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
  }

  function callLink(number, label) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.className = "button block call";
    a.href = "tel:" + number.replace(/\s+/g, "");
    a.textContent = label + " — " + number;
    li.appendChild(a);
    return li;
  }

  var REASONS = {
    network: "pas de réseau",
    server: "serveur indisponible",
    session: "session expirée"
  };

  /* The form could not be sent: keep it on the phone and say so plainly, with numbers to call. */
  function keepOffline(form, reason) {
    var data = new FormData(form);
    var entry = {
      action: form.getAttribute("action"),
      raised_at: new Date().toISOString(),
      fields: {}
    };
    data.forEach(function (value, key) { if (key !== "csrf_token") entry.fields[key] = String(value); });
    entry.fields.raised_at = entry.raised_at;
    var list = pending().filter(function (p) { return p.fields.client_key !== entry.fields.client_key; });
    list.push(entry);
    savePending(list);

    var panel = document.getElementById("alert-offline");
    if (!panel) return;
    var calls = panel.querySelector("[data-offline-calls]");
    var labels = {};
    try { labels = JSON.parse(panel.dataset.numberLabels || "{}"); } catch (e) { labels = {}; }
    calls.textContent = "";
    var employee = form.querySelector('input[name="employee_id"]:checked');
    if (employee && employee.dataset.cipPhone) {
      calls.appendChild(callLink(employee.dataset.cipPhone, "CIP : " + employee.dataset.cipName));
    }
    var type = form.querySelector('input[name="type_code"]:checked');
    if (type && type.dataset.numbers) {
      // Each number once: the emergency numbers below are always listed.
      var listed = {};
      panel.querySelectorAll('a[href^="tel:"]').forEach(function (a) { listed[a.getAttribute("href")] = true; });
      type.dataset.numbers.split(" ").forEach(function (n) {
        if (n && !listed["tel:" + n]) { listed["tel:" + n] = true; calls.appendChild(callLink(n, labels[n] || "Appeler")); }
      });
    }
    panel.querySelector("[data-offline-time]").textContent = timeText(entry.raised_at);
    panel.querySelector("[data-offline-reason]").textContent = REASONS[reason] || REASONS.network;
    panel.querySelector("[data-offline-login]").hidden = reason !== "session";
    panel.hidden = false;
    form.hidden = true;
    window.scrollTo(0, 0);
    panel.focus({ preventScroll: true });
    window.setTimeout(replay, RETRY_MS);
  }

  /* Send every kept alert; the server's idempotency key makes a repeated send harmless. */
  function replay() {
    var list = pending();
    // Not from the login page: it would only be answered 401.
    if (!list.length || replaying || !document.body.dataset.user) return;
    replaying = true;
    var entry = list[0];
    var body = new FormData();
    Object.keys(entry.fields).forEach(function (k) { body.append(k, entry.fields[k]); });
    body.append("csrf_token", csrfToken());
    fetch(entry.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      replaying = false;
      if (response.status === 204 || response.ok) {
        savePending(pending().filter(function (p) { return p.fields.client_key !== entry.fields.client_key; }));
        var target = response.headers.get("HX-Redirect") || locationPath(response.headers.get("HX-Location"));
        var panel = document.getElementById("alert-offline");
        if (panel && !panel.hidden && target) {
          window.location.assign(target);
          return;
        }
        toast("Alerte levée à " + timeText(entry.raised_at) + " : envoyée.");
        replay();
      } else if (response.status === 422) {
        // Refused on its merits (employee left the structure…): drop it and say so, never loop.
        savePending(pending().filter(function (p) { return p.fields.client_key !== entry.fields.client_key; }));
        toast("Une alerte gardée hors ligne a été refusée par le serveur : refaites-la.");
      } else if (response.status === 409) {
        toast("Une alerte gardée sur ce téléphone attend le compte qui l'a écrite.");
      } else {
        toast(response.status === 401
          ? "Alerte gardée sur ce téléphone : reconnectez-vous pour l'envoyer."
          : "Alerte gardée sur ce téléphone : le serveur ne répond pas, nouvel essai dans un instant.");
        window.setTimeout(replay, RETRY_MS * 3);
      }
    }).catch(function () {
      replaying = false;
      window.setTimeout(replay, RETRY_MS);
    });
  }

  // HX-Location is a path or a JSON object with the path (see views.see_other).
  function locationPath(header) {
    if (!header || header.charAt(0) !== "{") { return header; }
    try { return JSON.parse(header).path; } catch (e) { return null; }
  }

  function isAlertForm(elt) { return elt && elt.matches && elt.matches("[data-alert-form]"); }

  // Capture phase: the alert form's own message replaces the generic "no network" toast.
  window.addEventListener("htmx:sendError", function (event) {
    if (isAlertForm(event.detail.elt)) {
      event.stopPropagation();
      keepOffline(event.detail.elt, "network");
    }
  }, true);

  // Any answer but "stored" (2xx/3xx) or "refused on its merits" (422) leaves the alert on the phone:
  // a 5xx, a proxy's 502/503, an expired session (401, whose redirect would drop it).
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var status = event.detail.xhr.status;
    if (!isAlertForm(event.detail.elt) || (status >= 200 && status < 400) || status === 422) return;
    event.preventDefault();
    keepOffline(event.detail.elt, status === 401 ? "session" : "server");
  });

  window.addEventListener("online", replay);
  document.addEventListener("DOMContentLoaded", replay);

  /* Web Push subscription of this device. */
  function urlBase64ToUint8Array(base64) {
    var padding = "=".repeat((4 - (base64.length % 4)) % 4);
    var raw = window.atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function subscribe(button) {
    var status = document.getElementById("push-status");
    function say(text) { if (status) status.textContent = text; }
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("denied");
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(button.dataset.key)
      });
    }).then(function (subscription) {
      return fetch(button.dataset.url, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("server");
      say("Notifications activées sur cet appareil.");
      button.hidden = true;
    }).catch(function (error) {
      say(error && error.message === "denied"
        ? "Notifications refusées : autorisez-les dans les réglages du navigateur."
        : "Impossible d'activer les notifications sur cet appareil pour l'instant.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-push-subscribe]");
    if (!button || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;
    button.hidden = false;
    button.addEventListener("click", function () { subscribe(button); });
  });
})();
