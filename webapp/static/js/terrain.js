/* Terrain's small client: CSRF header for htmx, session expiry, error toasts, service worker. */
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

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 401) return; // HX-Redirect to the login page is on its way
    var messages = {
      400: "La demande n'a pas pu être traitée. Rechargez la page et réessayez.",
      403: "Votre rôle ne permet pas cette action.",
      404: "Élément introuvable.",
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
