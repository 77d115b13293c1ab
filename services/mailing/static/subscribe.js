/* Kontakt subscribe form: <kontakt-subscribe list="ee-uudised" key="…" lang="et">.
   A plain form (it posts from the host page, as the pasted HTML form does) with the list's
   words in the page's language; the person lands on the list's registered thank-you page. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  // What this script says when the form does not arrive, in each of our languages (catalogs).
  var offline = __TEXTS__;

  /* The texts for an element: its own lang, else the page's, else English. */
  function offlineTexts(host) {
    var lang = (host.getAttribute("lang") || document.documentElement.lang || "").slice(0, 2);
    return offline[lang.toLowerCase()] || offline.en;
  }

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function render(host) {
    if (host.shadowRoot) return;
    var root = host.attachShadow({ mode: "open" });
    root.append(el("link", { rel: "stylesheet", href: base + "/static/mailing.css" }));
    var box = el("div", { "class": "kontakt-mailing kontakt-embedded" });
    root.append(box);
    var list = encodeURIComponent(host.getAttribute("list") || "");
    var query = host.getAttribute("lang") ? "?lang=" + encodeURIComponent(host.getAttribute("lang")) : "";
    fetch(base + "/v1/lists/" + list + "/form" + query, { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var form = el("form", { method: "post", action: data.action, lang: data.lang });
        form.append(
          el("input", { type: "hidden", name: "form_key", value: host.getAttribute("key") || "" }),
          el("input", { type: "hidden", name: "lang", value: data.lang }),
          el("label", { "for": "kontakt-email" }, data.labels.email),
          el("input", { id: "kontakt-email", name: "email", type: "email", required: "",
            autocomplete: "email", maxlength: "254" }),
          el("label", { "for": "kontakt-name" }, data.labels.name),
          el("input", { id: "kontakt-name", name: "name", autocomplete: "name", maxlength: "200" })
        );
        var trap = el("div", { "class": "hp", "aria-hidden": "true" });
        trap.append(el("input", { name: "website", tabindex: "-1", autocomplete: "off" }));
        form.append(trap, el("button", { type: "submit" }, data.labels.subscribe));
        box.append(el("h2", {}, data.title), form);
      })
      .catch(function () {
        box.append(el("p", { "class": "error" }, offlineTexts(host).not_loaded));
      });
  }

  if (!customElements.get("kontakt-subscribe")) {
    customElements.define("kontakt-subscribe", class extends HTMLElement {
      connectedCallback() { render(this); }
    });
  }
})();
