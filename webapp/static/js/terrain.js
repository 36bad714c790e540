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

  // Shared with the other scripts of the page (alerts.js, passkeys.js, outbox.js), which load after this one.
  window.Terrain = { csrfToken: csrfToken, toast: toast, fillForm: fillForm };

  /* Captures carry an idempotency key (docs/offline.md): the server renders one so that a form works without
     JavaScript; a form left without one gets a fresh key made on the phone before it is sent. */
  function ensureKey(form) {
    var input = form && form.querySelector ? form.querySelector('input[name="client_key"]') : null;
    if (input && !input.value && window.crypto && window.crypto.randomUUID) input.value = window.crypto.randomUUID();
    return input ? input.value : null;
  }

  document.addEventListener("submit", function (event) { ensureKey(event.target); }, true);

  /* htmx wires a form it has just swapped in only after its settle delay (the form carries « htmx-added » until
     then). A quick second tap in that moment, common on a slow network, would send the form the old way and load a
     whole page: hold the tap and give it to htmx once the form is wired. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".htmx-added") || !form.matches("[hx-post], [hx-boost] form, [hx-boost]")) return;
    event.preventDefault();
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : undefined;
    window.setTimeout(function () { if (form.isConnected) form.requestSubmit(submitter); }, 80);
  }, true);

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

  // Photos are shrunk on the phone before upload (the server keeps 1,600 px anyway): a 12-megapixel shot of
  // several MB becomes a few hundred KB, which Slow 4G sends in seconds instead of a minute.
  var MAX_SIDE = 1600;

  function uploadStatus(input) {
    var status = input.parentNode.querySelector(".upload-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "upload-status help";
      status.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function shrink(file) {
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve, reject) {
        canvas.toBlob(function (blob) { blob ? resolve(blob) : reject(new Error("toBlob")); }, "image/jpeg", 0.82);
      });
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches('input[type="file"][name="photo"]') || !input.files.length) return;
    var file = input.files[0];
    if (!/^image\//.test(file.type) || !window.createImageBitmap || !window.DataTransfer) return;
    var form = input.form;
    var buttons = form ? form.querySelectorAll('button[type="submit"], button:not([type])') : [];
    var status = uploadStatus(input);
    status.textContent = "Préparation de la photo…";
    buttons.forEach(function (b) { b.disabled = true; });
    shrink(file).then(function (blob) {
      if (blob.size < file.size) {
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], file.name.replace(/\.[^.]+$/, "") + ".jpg", { type: "image/jpeg" }));
        input.files = transfer.files;
      }
      status.textContent = "Photo prête (" + Math.round(input.files[0].size / 1024) + " Ko).";
    }).catch(function () {
      status.textContent = "Photo prête (" + Math.round(file.size / 1024) + " Ko, envoyée telle quelle).";
    }).then(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });

  // Visible progress while a form with a photo is being sent.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    var input = form && form.querySelector('input[type="file"][name="photo"]');
    if (!input || !input.files.length || !event.detail.lengthComputable) return;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    uploadStatus(input).textContent = percent < 100 ? "Envoi de la photo : " + percent + " %" : "Photo envoyée, enregistrement…";
  });

  if ("serviceWorker" in navigator && document.body && document.body.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/" }).catch(function () {});
    });
    /* The outbox (outbox.js) only matters once the worker controls the page: it is then read from the worker's
       cache, so the first visit does not download it twice. */
    var outbox = function () {
      var src = document.body.dataset.outbox;
      if (!src || outbox.done) return;
      outbox.done = true;
      var script = document.createElement("script");
      script.src = src;
      document.head.appendChild(script);
    };
    // The check at the next start: on the login page no session is open, so no kept capture screen may stay
    // (waiting captures stay, unseen, until their own account logs in again: never dropped).
    if (location.pathname === document.body.dataset.login && window.caches) {
      caches.keys().then(function (keys) {
        keys.forEach(function (k) { if (k.indexOf("terrain-pages-") === 0) caches.delete(k); });
      });
    }
    if (navigator.serviceWorker.controller) outbox();
    else navigator.serviceWorker.addEventListener("controllerchange", outbox);
  }
})();
