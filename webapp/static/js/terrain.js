/* Terrain's small client: CSRF header and capture keys for htmx, session expiry, error toasts, service worker. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function toast(message, milliseconds) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.classList.add("visible");
    window.clearTimeout(box._timer);
    box._timer = window.setTimeout(function () { box.classList.remove("visible"); }, milliseconds || 6000);
  }

  // Shared with the other scripts of the page (alerts.js, passkeys.js), which load after this one.
  window.Terrain = { csrfToken: csrfToken, toast: toast };

  /* Captures carry an idempotency key (docs/offline.md): the server renders one so that a form works without
     JavaScript; a form left without one gets a fresh key made on the phone before it is sent. */
  function ensureKey(form) {
    var input = form && form.querySelector ? form.querySelector('input[name="client_key"]') : null;
    if (input && !input.value && window.crypto && window.crypto.randomUUID) input.value = window.crypto.randomUUID();
    return input ? input.value : null;
  }

  document.addEventListener("submit", function (event) { ensureKey(event.target); }, true);

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
    var form = event.detail.elt && event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    var key = ensureKey(form);
    if (key && !event.detail.parameters.client_key) event.detail.parameters.client_key = key;
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 401) return; // HX-Redirect to the login page is on its way
    var messages = {
      400: "La demande n'a pas pu être traitée. Rechargez la page et réessayez.",
      403: "Votre rôle ne permet pas cette action.",
      404: "Élément introuvable.",
      409: "Cette saisie est en cours d'enregistrement : réessayez dans un instant.",
      413: "Fichier trop volumineux.",
      429: "Trop de demandes : patientez un instant."
    };
    toast(messages[status] || "Erreur du serveur : rien n'a été perdu, réessayez dans un instant.");
  });

  document.addEventListener("htmx:sendError", function () {
    toast("Pas de réseau : la demande n'a pas été envoyée.");
  });

  if ("serviceWorker" in navigator && document.body && document.body.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" }).catch(function () {});
    });
  }
})();
