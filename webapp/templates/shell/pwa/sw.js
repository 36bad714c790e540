/* Terrain service worker: keeps the static shell and an offline page; never caches personal pages. */
const CACHE = "terrain-shell-{{ version }}";
const SHELL = {{ shell_urls | tojson }};
const OFFLINE_URL = {{ offline_url | tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
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
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network first; the offline page only when the network fails. Pages are never stored.
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
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
