/* Passkeys: register one on the account page, log in with one on the login page. */
(function () {
  "use strict";

  var csrfToken = window.Terrain.csrfToken;

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? "{}" : JSON.stringify(body)
    });
  }

  function supported() {
    return window.PublicKeyCredential && PublicKeyCredential.parseCreationOptionsFromJSON &&
      PublicKeyCredential.parseRequestOptionsFromJSON;
  }

  function say(box, message) {
    var status = box.parentElement.querySelector(".passkey-status") || box.querySelector(".passkey-status");
    if (status) status.textContent = message;
  }

  function setupRegister(box) {
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () {
      say(box, "Suivez les instructions du téléphone…");
      postJSON(box.dataset.optionsUrl)
        .then(function (r) { return r.json(); })
        .then(function (options) {
          return navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
        })
        .then(function (credential) {
          var name = document.getElementById("passkey-name").value;
          return postJSON(box.dataset.registerUrl, { name: name, credential: credential.toJSON() });
        })
        .then(function (r) {
          if (r.ok) { window.location.reload(); return; }
          return r.json().then(function (data) { say(box, data.error || "La clé n'a pas été ajoutée."); });
        })
        .catch(function () { say(box, "La clé n'a pas été ajoutée (opération annulée ou impossible)."); });
    });
  }

  function setupLogin(box) {
    box.hidden = false;
    box.querySelector("button").addEventListener("click", function () {
      say(box, "Suivez les instructions du téléphone…");
      postJSON(box.dataset.optionsUrl)
        .then(function (r) { return r.json(); })
        .then(function (options) {
          return navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        })
        .then(function (credential) { return postJSON(box.dataset.loginUrl, credential.toJSON()); })
        .then(function (r) { return r.json().then(function (data) { return [r.ok, data]; }); })
        .then(function (result) {
          if (result[0]) { window.location.assign(result[1].redirect); return; }
          say(box, result[1].error);
        })
        .catch(function () { say(box, "Connexion par clé d'accès annulée ou impossible."); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!supported()) return;
    document.querySelectorAll("[data-passkey-register]").forEach(setupRegister);
    document.querySelectorAll("[data-passkey-login]").forEach(setupLogin);
  });
})();
