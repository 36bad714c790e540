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
    toast(messages[status] || "Erreur du serveur : la demande n'a pas abouti. Réessayez dans un instant.");
  });

  /* Drafts: a form sent after the session expired is kept on the phone and put back after logging in again. */
  var DRAFTS = "terrain.drafts";
  var DRAFT_MS = 24 * 3600 * 1000;

  function readDrafts() {
    try { return JSON.parse(window.localStorage.getItem(DRAFTS) || "[]"); } catch (e) { return []; }
  }

  function writeDrafts(list) {
    try { window.localStorage.setItem(DRAFTS, JSON.stringify(list)); } catch (e) { /* storage full or off */ }
  }

  function draftKey(form) { return form.id + " " + form.getAttribute("action"); }

  function keepDraft(form) {
    var fields = [];
    var withFile = false;
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token") return;
      if (typeof value === "string") fields.push([name, value]);
      else if (value && value.size) withFile = true; // a photo cannot be kept: the person adds it again
    });
    var key = draftKey(form);
    var list = readDrafts().filter(function (d) { return d.key !== key; });
    list.push({ key: key, user: document.body.dataset.user || "", at: Date.now(), fields: fields, file: withFile });
    writeDrafts(list);
  }

  function fillForm(form, fields) {
    var values = {};
    fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    var used = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "file") return;
      var list = values[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = list.indexOf(el.value) !== -1;
      } else if (list.length) {
        var i = used[el.name] || 0;
        if (i < list.length) el.value = list[i];
        used[el.name] = i + 1;
      }
    });
  }

  function restoreDrafts() {
    var user = document.body && document.body.dataset.user;
    var list = readDrafts();
    if (!user || !list.length) return;
    var forms = {};
    Array.prototype.forEach.call(document.querySelectorAll("form[id][action]"), function (f) { forms[draftKey(f)] = f; });
    var now = Date.now();
    var kept = list.filter(function (draft) {
      if (now - draft.at > DRAFT_MS) return false;
      var form = forms[draft.key];
      if (!form || draft.user !== user) return true; // another page, or another account's: left alone
      fillForm(form, draft.fields);
      // Said in the form itself, where the person looks, rather than in a toast over the button.
      var note = document.createElement("p");
      note.className = "banner";
      note.setAttribute("role", "status");
      note.textContent = draft.file
        ? "Votre saisie a été remise dans le formulaire : ajoutez de nouveau la photo, puis enregistrez."
        : "Votre saisie a été remise dans le formulaire : vérifiez-la, puis enregistrez.";
      form.insertBefore(note, form.firstChild);
      return false;
    });
    if (kept.length !== list.length) writeDrafts(kept);
  }

  function isDirty(form) {
    return Array.prototype.some.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden") return false;
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.type === "file") return !!(el.files && el.files.length);
      if (el.tagName === "SELECT") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  // Before htmx follows a 401's redirect to the login page (a form sent, or a poll noticing the session
  // ended), the form being sent and every form being filled in are kept.
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    if (event.detail.xhr.status !== 401) return;
    var elt = event.detail.elt;
    var sending = elt && elt.closest ? elt.closest("form") : null;
    Array.prototype.forEach.call(document.querySelectorAll("form[id][action]"), function (form) {
      // An alert being sent is kept by alerts.js as an alert to send, not as a draft.
      if (form === sending && form.matches("[data-alert-form]")) return;
      if (form === sending || isDirty(form)) keepDraft(form);
    });
  });
  document.addEventListener("DOMContentLoaded", restoreDrafts);
  document.addEventListener("htmx:load", restoreDrafts);

  document.addEventListener("htmx:sendError", function () {
    toast("Pas de réseau : la demande n'a pas été envoyée.");
  });

  if ("serviceWorker" in navigator && document.body && document.body.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" }).catch(function () {});
    });
  }
})();
