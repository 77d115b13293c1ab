/* Kontakt contact widget: <kontakt-contacts network="for-in" member="ee" lang="et">.
   E-mail addresses are never in the page; a person's click on a real button asks for one. */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var cssPath = "__CSS_PATH__";
  // What this script says when no labels arrive, in each of our languages (from the catalogs).
  var offline = __TEXTS__;

  /* The texts for an element: its own lang, else the page's, else English. */
  function offlineTexts(host) {
    var lang = (host.getAttribute("lang") || document.documentElement.lang || "").slice(0, 2);
    return offline[lang.toLowerCase()] || offline.en;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_, key) {
      return values[key] === undefined ? "" : String(values[key]);
    });
  }

  function ask(token, lang) {
    return fetch(base + "/v1/reveal", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token, lang: lang })
    }).then(function (response) {
      return response.json().then(function (body) {
        return { status: response.status, body: body, retry: response.headers.get("Retry-After") };
      });
    });
  }

  function problemText(result, labels) {
    if (result.status === 429) {
      return result.body.message ||
        fill(labels.too_many, { minutes: Math.max(1, Math.ceil((+result.retry || 60) / 60)) });
    }
    return labels.failed;
  }

  function revealButton(token, name, lang, labels, live) {
    var button = el("button", "kontakt-reveal", labels.show_email);
    button.type = "button";
    button.setAttribute("aria-label", fill(labels.show_email_of, { name: name }));
    button.addEventListener("click", function () {
      button.disabled = true;
      ask(token, lang).then(function (result) {
        if (result.status !== 200) {
          live.textContent = problemText(result, labels);
          live.classList.add("kontakt-error");
          button.disabled = false;
          return;
        }
        var shown = document.createDocumentFragment();
        result.body.emails.forEach(function (address, index) {
          if (index) shown.append(", ");
          var link = el("a", "kontakt-mailto", address);
          link.href = "mailto:" + address;
          shown.append(link);
        });
        live.classList.remove("kontakt-error");
        var first = shown.querySelector("a");
        button.replaceWith(shown);
        // The person asked for it: the address takes the button's place and its focus.
        if (first) first.focus();
        live.textContent = fill(labels.email_shown, { name: name });
      }, function () {
        live.textContent = labels.failed;
        live.classList.add("kontakt-error");
        button.disabled = false;
      });
    });
    return button;
  }

  /* "Add to contacts" is a link on every card (the vCard without e-mail); for a card with
     an address, a person's click asks for the full vCard first. */
  function withEmail(link, token, lang, labels, live) {
    link.addEventListener("click", function (event) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      ask(token, lang).then(function (result) {
        if (result.status === 200) {
          location.assign(result.body.vcard_url);
        } else {
          live.textContent = problemText(result, labels);
          live.classList.add("kontakt-error");
        }
      }, function () { location.assign(link.href); });
    });
  }

  function link(className, href, text, label) {
    var node = el("a", className, text);
    node.href = href;
    if (label) node.setAttribute("aria-label", label);
    return node;
  }

  function card(data, lang, labels) {
    var item = el("li", "kontakt-card");
    item.append(el("h3", "kontakt-name", data.name));
    if (data.title) item.append(el("p", "kontakt-title", data.title));
    if (data.organisation) {
      var org = el("p", "kontakt-org");
      if (data.organisation_url) {
        var orgLink = el("a", null, data.organisation);
        orgLink.href = data.organisation_url;
        orgLink.rel = "noopener";
        org.append(orgLink);
      } else {
        org.textContent = data.organisation;
      }
      item.append(org);
    }
    var lines = el("ul", "kontakt-lines");
    data.phones.forEach(function (phone) {
      var line = el("li");
      // A number kept as written (it could not be read) is shown, not linked.
      var link = el(phone.tel ? "a" : "span", null, phone.text);
      if (phone.tel) link.href = "tel:" + phone.tel;
      line.append(el("span", "kontakt-label", labels.phone + ":"), " ", link);
      lines.append(line);
    });
    data.links.forEach(function (web) {
      var line = el("li");
      var link = el("a", null, web.text);
      link.href = web.url;
      link.rel = "noopener";
      line.append(el("span", "kontakt-label", labels.web + ":"), " ", link);
      lines.append(line);
    });
    var live = el("span", "kontakt-live");
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    if (data.has_email) {
      var email = el("li", "kontakt-email");
      email.append(el("span", "kontakt-label", labels.email + ":"), " ",
        revealButton(data.token, data.name, lang, labels, live), " ", live);
      lines.append(email);
    }
    item.append(lines);
    var actions = el("p", "kontakt-actions");
    var vcard = link("kontakt-vcard", data.vcard_url, labels.add_to_contacts,
      fill(labels.add_to_contacts_of, { name: data.name }));
    if (data.has_email) withEmail(vcard, data.token, lang, labels, live);
    actions.append(vcard, " ", link("kontakt-qr", data.qr_url, labels.qr_code,
      fill(labels.qr_code_of, { name: data.name })));
    item.append(actions);
    return item;
  }

  /* Server-rendered cards (iframe, fragment): turn reveal links into buttons. */
  function enhance(root) {
    root.querySelectorAll("section.kontakt[data-labels]").forEach(function (section) {
      var labels = JSON.parse(section.getAttribute("data-labels"));
      var lang = section.getAttribute("data-lang") || "en";
      section.querySelectorAll("a.kontakt-reveal-link").forEach(function (link) {
        var live = link.parentNode.querySelector(".kontakt-live") || el("span", "kontakt-live");
        link.replaceWith(revealButton(link.dataset.token, link.dataset.name, lang, labels, live));
      });
      section.querySelectorAll("a.kontakt-vcard[data-token]").forEach(function (vcard) {
        var card = vcard.closest(".kontakt-card");
        var live = (card && card.querySelector(".kontakt-live")) || el("span", "kontakt-live");
        withEmail(vcard, vcard.dataset.token, lang, labels, live);
      });
    });
  }

  /* The iframe page tells the page around it how tall it is; that page's widget.js (the
     snippet's script) sizes the frame, so no card is cut off and nothing scrolls twice. */
  function reportHeight() {
    var last = 0;
    function send() {
      var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      // Only a height travels, nothing private: any page may frame us only if listed.
      parent.postMessage({ kontakt: "height", height: height }, "*");
    }
    new ResizeObserver(send).observe(document.documentElement);
    send();
  }

  function sizeFrames(event) {
    if (event.origin !== base || !event.data || event.data.kontakt !== "height") return;
    var height = Number(event.data.height);
    if (!(height > 0 && height < 100000)) return;
    document.querySelectorAll("iframe").forEach(function (frame) {
      if (frame.contentWindow === event.source) frame.style.height = height + "px";
    });
  }

  class KontaktContacts extends HTMLElement {
    connectedCallback() { render(this); }
  }

  function render(host) {
    if (host.shadowRoot) return;
    var root = host.attachShadow({ mode: "open" });
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = base + cssPath;
    root.append(style);
    var query = new URLSearchParams();
    ["member", "lang"].forEach(function (name) {
      if (host.getAttribute(name)) query.set(name, host.getAttribute(name));
    });
    var network = encodeURIComponent(host.getAttribute("network") || "");
    var section = el("section", "kontakt");
    section.setAttribute("aria-busy", "true");
    root.append(section);
    fetch(base + "/v1/widget/" + network + "?" + query.toString(), { credentials: "omit" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        section.setAttribute("lang", data.lang);
        section.setAttribute("aria-label", data.labels.contacts);
        if (!data.cards.length) section.append(el("p", "kontakt-empty", data.labels.no_contacts));
        var list = el("ul", "kontakt-cards");
        data.cards.forEach(function (one) { list.append(card(one, data.lang, data.labels)); });
        section.append(list);
        if (data.cards.length) {
          var all = el("p", "kontakt-all");
          all.append(link("kontakt-all-vcf", data.vcf_url, data.labels.all_vcf));
          section.append(all);
        }
        section.removeAttribute("aria-busy");
      })
      .catch(function () {
        section.removeAttribute("aria-busy");
        section.append(el("p", "kontakt-error", offlineTexts(host).not_loaded));
      });
  }

  /* The theming properties' types (README, "Theming"), registered once for the page: a value
     that is not of its type (`--kontakt-columns: abc`) is then ignored and the default holds,
     instead of invalidating the grid, which collapsed to one column. (An @property rule in
     the shadow root's stylesheet would not count: those rules are read only in a document.)
     Lengths' defaults are in px (registered initial values cannot be in rem): 16 px a rem. */
  var THEME = [
    ["--kontakt-columns", "<integer>", "12"],
    ["--kontakt-card-width", "<length>", "256px"],
    ["--kontakt-gap", "<length>", "12px"],
    ["--kontakt-radius", "<length>", "8px"],
    ["--kontakt-text", "<color>", "#1b1f23"],
    ["--kontakt-muted", "<color>", "#57606a"],
    ["--kontakt-accent", "<color>", "#0550ae"],
    ["--kontakt-background", "<color>", "#fff"],
    ["--kontakt-border", "<color>", "#d0d7de"]
  ];
  if (window.CSS && CSS.registerProperty) {
    THEME.forEach(function (one) {
      try {
        CSS.registerProperty({ name: one[0], syntax: one[1], inherits: true, initialValue: one[2] });
      } catch (e) { /* registered already (a second copy of this script, or the page did) */ }
    });
  }

  if (!customElements.get("kontakt-contacts")) {
    customElements.define("kontakt-contacts", KontaktContacts);
  }
  function start() {
    enhance(document);
    var framed = window.parent !== window;
    if (framed && document.body.classList.contains("kontakt-page")) reportHeight();
  }
  window.addEventListener("message", sizeFrames);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
