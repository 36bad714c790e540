/* Terrain service worker: the static shell, the offline page, the last online copy of the logged-in
   supervisor's capture screens, and the outbox of captures made with no network (docs/offline.md). */
const CACHE = "terrain-shell-{{ version }}";
const SHELL = {{ shell_urls | tojson }};
const OFFLINE_URL = {{ offline_url | tojson }};
const TOKEN_URL = {{ token_url | tojson }};
const LOGIN_URL = {{ login_url | tojson }};
const ALERT_URL = {{ alert_url | tojson }};
const PAGES = "terrain-pages-";        // + account id: one cache of capture screens per account
const PAGE_MAX_AGE = 12 * 3600 * 1000; // a kept screen expires with the longest session
// Capture POSTs that are queued when the network fails (alerts keep their own rule: alerts.js).
const CAPTURE = /^\/(observations\/|consignes\/|aujourdhui\/(presences|equipe|point)\/|production\/|competences\/(salaries\/\d+\/evaluer|groupe\/\d+|evaluations\/))/;

/* --- IndexedDB: store "outbox" (key = client_key) and store "meta" (the current account). --- */
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("terrain", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("outbox", { keyPath: "key" });
      request.result.createObjectStore("meta");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function tx(store, mode, work) {
  return openDb().then((db) => new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = work(t.objectStore(store));
    t.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
    t.onerror = () => { db.close(); reject(t.error); };
  }));
}

const getMeta = (name) => tx("meta", "readonly", (s) => s.get(name));
const setMeta = (name, value) => tx("meta", "readwrite", (s) => s.put(value, name));
const putEntry = (entry) => tx("outbox", "readwrite", (s) => s.put(entry));
const deleteEntry = (key) => tx("outbox", "readwrite", (s) => s.delete(key));

/* The waiting captures of one account, oldest first (another account's never leave this worker). */
function entries(account) {
  return tx("outbox", "readonly", (s) => s.getAll()).then((all) =>
    all.filter((e) => e.account === account).sort((a, b) => a.made_at.localeCompare(b.made_at) || a.seq - b.seq));
}

/* Every window of Terrain redraws its counter. */
function announce() {
  return self.clients.matchAll({ type: "window" }).then((windows) => windows.forEach((w) => w.postMessage({ type: "outbox-changed" })));
}

/* --- Capture screens: last online copy per account, for 12 h at most. --- */
function keepPage(request, response) {
  const account = response.headers.get("X-Terrain-Offline");
  if (!account || response.status !== 200) return Promise.resolve();
  return Promise.all([response.clone().text(), setMeta("account", account)]).then(([html]) => {
    // A kept form must not reuse the key the server rendered: terrain.js makes a fresh one on the phone.
    const clean = html.replace(/(name="client_key" value=")[^"]*"/g, '$1"');
    const kept = new Response(clean, { headers: { "Content-Type": "text/html; charset=utf-8", "X-Kept-At": String(Date.now()) } });
    return caches.open(PAGES + account).then((cache) => cache.put(new URL(request.url).pathname, kept));
  });
}

function keptPage(request) {
  return getMeta("account").then((account) => {
    if (!account) return null;
    return caches.open(PAGES + account).then((cache) => cache.match(new URL(request.url).pathname)).then((hit) => {
      if (!hit || Date.now() - Number(hit.headers.get("X-Kept-At")) > PAGE_MAX_AGE) return null;
      return hit;
    });
  });
}

/* Forget the screens of other accounts and the expired ones (checked at each start of a page). */
function forgetOthers(account) {
  return caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith(PAGES) && k !== PAGES + account).map((k) => caches.delete(k))));
}

/* The alert form is kept at login, so that « Alerte » opens with no network from any screen. */
function keepAlertForm(account) {
  return caches.open(PAGES + account).then((cache) => cache.match(ALERT_URL)).then((hit) => {
    if (hit && Date.now() - Number(hit.headers.get("X-Kept-At")) < 3600 * 1000) return null;  // fresh enough
    return fetch(ALERT_URL, { credentials: "same-origin" }).then((response) => keepPage(new Request(ALERT_URL), response));
  }).catch(() => {});
}

/* --- Outbox: a capture POST that found no network is kept and answered « en attente d'envoi ». --- */
let seq = 0;

function queue(request) {
  return Promise.all([request.formData(), getMeta("account")]).then(([data, account]) => {
    const fields = [];
    data.forEach((value, name) => { if (name !== "csrf_token") fields.push([name, value]); });
    const key = data.get("client_key") || self.crypto.randomUUID();
    const made = new Date();
    // The screen it was typed on (path and query): « Corriger » opens it again with what was typed.
    const from = request.referrer ? new URL(request.referrer) : null;
    const page = from && from.origin === self.location.origin ? from.pathname + from.search : "";
    // The phone's time of the capture; the server bounds it (not in the future, not before the session).
    if (!data.has("happened_at")) fields.push(["happened_at", made.toISOString()]);
    const entry = { key, account: account || "", url: request.url, page, fields, made_at: made.toISOString(), seq: seq++,
                    label: labelOf(new URL(request.url).pathname), state: "waiting", reason: "" };
    return putEntry(entry).then(() => {
      if (self.registration.sync) self.registration.sync.register("terrain-outbox").catch(() => {});
      announce();
      const time = made.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
      // The observation form is replaced by this answer: offer the next one (the kept form, served offline).
      const next = entry.label === "Observation" && from ? ` <a class="button" href="${from.pathname}">Nouvelle observation</a>` : "";
      const headers = { "Content-Type": "text/html; charset=utf-8", "X-Terrain-Queued": key };
      // A boosted form (a whole page, like the group rating) would lose the page: put the notice atop the content.
      if (request.headers.get("HX-Boosted")) Object.assign(headers, { "HX-Retarget": "#main", "HX-Reswap": "afterbegin show:top" });
      return new Response(`<div class="notice pending-capture" role="status"><strong>${entry.label}</strong> gardée sur ce téléphone à ${time} : en attente d'envoi. Elle partira au retour du réseau.${next}</div>`,
        { status: 200, headers });
    });
  });
}

function labelOf(path) {
  if (path.startsWith("/observations")) return "Observation";
  if (/^\/consignes\/\d+\/compris/.test(path)) return "Consigne comprise";
  if (path.startsWith("/consignes")) return "Consigne";
  if (path.startsWith("/aujourdhui/presences")) return "Présence";
  if (path.startsWith("/aujourdhui/point")) return "Point du matin";
  if (path.startsWith("/aujourdhui/equipe")) return "Équipe du jour";
  if (path.startsWith("/production")) return "Production";
  return "Évaluation";
}

/* Send the waiting captures of the current account in the order they were made. The server's idempotency
   key makes a repeated send harmless: a replay answers the original result. */
let replaying = null;

function replay() {
  if (replaying) return replaying;
  replaying = getMeta("account").then((account) => entries(account || "")).then((list) => {
    if (!list.length) return "empty";
    return fetch(TOKEN_URL, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual" })
      .then((response) => {
        if (response.status !== 200) return markAll(list, "login", "Session expirée : reconnectez-vous pour envoyer.").then(() => "login");
        return response.json().then((body) => sendEach(list, body.token));
      });
  }).catch(() => "offline").finally(() => { replaying = null; announce(); });
  return replaying;
}

function markAll(list, state, reason) {
  return Promise.all(list.map((e) => putEntry(Object.assign(e, { state, reason }))));
}

function sendEach(list, token) {
  let chain = Promise.resolve("sent");
  list.forEach((entry) => {
    chain = chain.then((status) => {
      if (status !== "sent" || entry.state === "refused") return status;
      const body = new FormData();
      entry.fields.forEach(([name, value]) => body.append(name, value));
      body.append("csrf_token", token);
      return fetch(entry.url, { method: "POST", body, credentials: "same-origin", redirect: "manual",
                                headers: { "HX-Request": "true", "X-CSRFToken": token, "X-Terrain-Replay": "1" } })
        .then((response) => settle(entry, response));
    });
  });
  return chain;
}

function settle(entry, response) {
  if (response.ok || response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
    return deleteEntry(entry.key).then(() => "sent");
  }
  if (response.status === 401) return markAll([entry], "login", "Session expirée : reconnectez-vous pour envoyer.").then(() => "login");
  if (response.status === 409 || response.status === 429 || response.status >= 500) return "later";
  // Refused on its merits (422, 400, 403, 404): kept with the server's French reason until discarded.
  return response.text().then((html) => putEntry(Object.assign(entry, { state: "refused", reason: html.slice(0, 20000) }))).then(() => "sent");
}

/* The shell files the page has just loaded come from the browser's HTTP cache (static files do not vary with the
   session cookie). The offline page is fetched without the session's cookie: the copy kept is the same for
   everyone, with nothing of the account. */
function installShell(cache) {
  const offline = fetch(OFFLINE_URL, { credentials: "omit" }).then((response) => {
    if (!response.ok) throw new Error("offline page: " + response.status);
    return cache.put(OFFLINE_URL, response);
  });
  return Promise.all([cache.addAll(SHELL), offline]);
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then(installShell).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("terrain-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode !== "navigate" && request.headers.get("HX-Request") && CAPTURE.test(url.pathname)) {
    // Network first; with no network the capture joins the outbox.
    const copy = request.clone();
    event.respondWith(fetch(request).catch(() => queue(copy)));
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    // Network first; a capture screen is kept (per account) when the server marks it, and served with no
    // network; any other page falls to the offline page.
    event.respondWith(fetch(request).then((response) => {
      event.waitUntil(keepPage(request, response));
      return response;
    }).catch(() => keptPage(request).then((hit) => hit || caches.match(OFFLINE_URL))));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === "terrain-outbox") event.waitUntil(replay());
});

/* Messages of outbox.js: who is logged in, send now, list, discard. */
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const answer = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (data.type === "hello") {
    event.waitUntil(setMeta("account", data.account).then(() => forgetOthers(data.account))
      .then(() => data.alerts && keepAlertForm(data.account)).then(() => answer(true)));
  } else if (data.type === "replay") {
    event.waitUntil(replay().then(answer));
  } else if (data.type === "list") {
    event.waitUntil(getMeta("account").then((account) => entries(account || "")).then((list) =>
      answer(list.map((e) => ({ key: e.key, label: e.label, made_at: e.made_at, state: e.state, reason: e.reason,
                                page: e.page || "" })))));
  } else if (data.type === "entry") {
    // What was typed, to correct a refused capture (outbox.js fills the form of its screen with it).
    event.waitUntil(getMeta("account").then((account) => entries(account || "")).then((list) =>
      answer(list.find((e) => e.key === data.key) || null)));
  } else if (data.type === "discard") {
    event.waitUntil(deleteEntry(data.key).then(announce).then(() => answer(true)));
  }
});

// An urgent alert: the payload carries no name nor fact, only a title and the link to open.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Alerte — Terrain", {
      body: data.body || "Ouvrez l'application pour voir l'alerte.",
      tag: data.tag || "terrain-alerte",
      renotify: true,
      requireInteraction: true,
      icon: {{ static_url("icons/icon-192.png") | tojson }},
      data: { url: data.url || "/alertes/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = new URL((event.notification.data && event.notification.data.url) || "/alertes/", self.location.origin);
  // Only a page of Terrain itself is ever opened from a notification.
  const url = wanted.origin === self.location.origin ? wanted.href : new URL("/alertes/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url.startsWith(self.location.origin) && "navigate" in client) {
          // navigate() fails on a page this worker does not control: open a window instead.
          return client.focus().then(() => client.navigate(url)).catch(() => self.clients.openWindow(url));
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
