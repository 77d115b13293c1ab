// Progressive enhancement for the console: every form works without this file.
"use strict";

function on(selector, each) {
  document.querySelectorAll(selector).forEach(each);
}

// The sign-in page's language holds for both ways in: the mailed link's language follows
// the one chosen above (without this file, each form shows its own choice).
on("select[data-same-as]", function (select) {
  var source = document.getElementById(select.getAttribute("data-same-as"));
  if (source) source.addEventListener("change", function () { select.value = source.value; });
});

// Selects that choose a view submit their form at once.
on("select[data-autosubmit]", function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});

// Phone numbers are checked as they are typed (and again by the directory, which reads
// national numbers in the network's country).
on("fieldset[data-phones]", function (set) {
  var live = document.getElementById("phones-live");
  var pattern = /^[+(]?[0-9][0-9 ()\-\/.]{3,24}((\s*(ext\.?|x|#)\s*|;ext=)[0-9]{1,10})?$/i;
  set.addEventListener("input", function () {
    var bad = [];
    set.querySelectorAll("input[name=phone_number]").forEach(function (input) {
      var value = input.value.trim();
      var wrong = value !== "" && !pattern.test(value);
      input.setAttribute("aria-invalid", wrong ? "true" : "false");
      if (wrong) bad.push(value);
    });
    live.textContent = bad.length ? set.getAttribute("data-message") + " " + bad.join("; ") : "";
  });
});

// CSV import: a progress bar from the service's NDJSON lines, then the report.
on("form[data-import]", function (form) {
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var bar = form.querySelector("progress");
    var out = form.querySelector(".report");
    var labels = JSON.parse(out.getAttribute("data-labels"));
    bar.hidden = false;
    bar.value = 0;
    out.textContent = "";
    // "Check first" posts to its own formaction (a dry run); the file stays chosen for the real one.
    var target = (event.submitter && event.submitter.getAttribute("formaction")) ||
      form.getAttribute("action");
    fetch(target, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/x-ndjson" }
    }).then(function (response) {
      var reader = response.body.getReader();
      var decoder = new TextDecoder();
      var buffer = "";
      function line(text) {
        if (!text.trim()) return;
        var message = JSON.parse(text);
        if (message.progress !== undefined) {
          bar.max = message.total || 1;
          bar.value = message.progress;
        } else if (message.report) {
          bar.value = bar.max;
          report(out, message.report, labels);
        } else if (message.error !== undefined) {
          out.textContent = message.error;
        }
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) { line(buffer); return; }
          buffer += decoder.decode(chunk.value, { stream: true });
          var lines = buffer.split("\n");
          buffer = lines.pop();
          lines.forEach(line);
          return pump();
        });
      }
      return pump();
    }).catch(function () { form.submit(); });
  });
});

function cell(row, kind, text) {
  var node = document.createElement(kind);
  node.textContent = text;
  row.append(node);
}

function counts(out, pairs, labels) {
  var list = document.createElement("dl");
  list.className = "counts";
  pairs.forEach(function (pair) {
    var box = document.createElement("div");
    cell(box, "dt", labels[pair[0]]);
    var value = document.createElement("dd");
    value.textContent = pair[1];
    value.setAttribute("data-count", pair[0]);
    box.append(value);
    list.append(box);
  });
  out.append(list);
}

function table(out, heads, rows, labels) {
  if (!rows.length) return;
  var node = document.createElement("table");
  var head = document.createElement("tr");
  heads.forEach(function (k) { cell(head, "th", labels[k]); });
  node.append(head);
  rows.forEach(function (cells) {
    var row = document.createElement("tr");
    cells.forEach(function (text) { cell(row, "td", text); });
    node.append(row);
  });
  out.append(node);
}

// An API field path (`emails[0]`) as the person reads it: its label and which item
// ("E-mail addresses 1"); nothing for a field without a label (the message alone).
function fieldName(path, fields) {
  var line = /^line (\d+)$/.exec(path);
  if (line && fields["line %(number)s"]) return fields["line %(number)s"].replace("%(number)s", line[1]);
  var label = fields[path.split(/[[.]/)[0]];
  var item = /^[a-z_]+\[(\d+)\]/.exec(path);
  if (!label) return "";
  return item ? label + " " + (Number(item[1]) + 1) : label;
}

// The report of an import: contacts (a line per row) or subscribers (the rejected rows).
function report(out, data, labels) {
  if (data.items === undefined) {
    // Subscribers are created or kept; suppressed addresses added or already there.
    var pairs = data.added !== undefined
      ? [["rows", data.rows], ["added", data.added], ["already", data.already]]
      : [["rows", data.rows], ["created", data.created], ["unchanged", data.unchanged]];
    pairs.push(["rejected", data.rejected.length]);
    // Columns the import gave no meaning (a misspelt status column, say) are named.
    if (data.ignored_columns && data.ignored_columns.length) {
      pairs.push(["ignored_columns", data.ignored_columns.join(", ")]);
    }
    counts(out, pairs, labels);
    table(out, ["row", "field", "problem"],
          data.rejected.map(function (r) {
            return [r.row, fieldName(r.field || "", labels.fields || {}) || r.field, r.message];
          }), labels);
    return;
  }
  if (data.dry_run) cell(out, "p", labels.dry_run_done);
  counts(out, ["rows", "created", "updated", "unchanged", "rejected", "skipped"].map(function (k) {
    return [k, data[k]];
  }), labels);
  data.notes.forEach(function (note) { cell(out, "p", note); });
  var rows = data.items.filter(function (i) {
    return i.status === "rejected" || i.status === "skipped" || i.notes.length || i.dropped.length;
  }).map(function (i) {
    var remarks = i.errors.concat(i.notes).map(function (e) {
      var name = fieldName(e.field || "", labels.fields || {});
      return (name ? name + ": " : "") + e.message;
    });
    if (i.dropped.length) {
      remarks.push(labels.not_kept + ": " + i.dropped.map(function (d) {
        return labels.dropped[d] || d;
      }).join(", "));
    }
    return [i.row, i.name || "", labels[i.status], remarks.join(" · ")];
  });
  table(out, ["row", "name", "status", "problem"], rows, labels);
}

// Campaign progress, polled every second until the campaign is over. Then the page reloads
// once if it still shows the campaign as running; else it stays still, and says so on the
// section (data-settled: the status it ended with).
on("[data-progress]", function (section) {
  var bar = section.querySelector("progress");
  function poll() {
    fetch(section.getAttribute("data-progress"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.value = p.percent;
        // Each figure as the server words it, with its unit (the page's first text too).
        section.querySelectorAll("[data-field]").forEach(function (node) {
          var key = node.getAttribute("data-field");
          var value = key === "percent" ? p.percent : p.shown[key];
          node.textContent = value === null || value === undefined ? "–" : value;
        });
        if (["done", "cancelled", "draft"].indexOf(p.status) < 0) {
          setTimeout(poll, 1000);
          return;
        }
        var status = document.querySelector("[data-campaign-status]");
        var stale = status && status.getAttribute("data-status") !== p.status;
        if (p.status !== "draft" && stale) location.reload();
        else section.setAttribute("data-settled", p.status);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
});

// The Markdown editor saves the draft as one types and refreshes the preview.
on("form[data-editor]", function (form) {
  var frame = document.querySelector("iframe[data-preview]");
  var shown = form.querySelector("[data-editor-error]");
  var timer = null;
  function save() {
    var data = new FormData(form);
    data.set("action", "save");
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "console" }
    }).then(function (response) {
      return response.json().then(function (answer) {
        // A refused draft stays as typed; the reason shows beside it until it is fixed.
        shown.textContent = answer.ok ? "" : answer.detail;
        shown.hidden = answer.ok;
        if (answer.ok) frame.src = frame.src;
      });
    });
  }
  form.querySelectorAll("input, textarea").forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(save, 600);
    });
  });
});

// Copy buttons next to the embed snippets: they say what happened (a status line, read out
// by screen readers). Without the Clipboard API (a page not served over https, an older
// browser) or when it refuses, the snippet is selected and the line says to press Ctrl+C.
on("button[data-copy]", function (button) {
  var id = button.getAttribute("data-copy");
  var code = document.getElementById(id);
  var status = document.getElementById(id + "-status");
  button.hidden = false;
  function say(text) { if (status) status.textContent = text; }
  function selectIt() {
    var range = document.createRange();
    range.selectNodeContents(code);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say(button.getAttribute("data-manual"));
  }
  button.addEventListener("click", function () {
    say("");
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      selectIt();
      return;
    }
    navigator.clipboard.writeText(code.textContent).then(function () {
      say(button.getAttribute("data-copied"));
    }, selectIt);
  });
});

// Uploads that report only at the end show that they are working.
on("form[data-busy]", function (form) {
  form.addEventListener("submit", function () {
    var bar = form.querySelector("progress");
    if (bar) bar.hidden = false;
  });
});

// Contacts are dragged into place; the server moves them in the network's whole order
// (the arrow buttons do the same without this script).
on("table[data-reorder]", function (table) {
  var csrf = table.querySelector("input[name=csrf]");
  var dragged = null;
  table.querySelectorAll("tbody tr[data-id]").forEach(function (row) {
    row.draggable = true;
    row.addEventListener("dragstart", function (event) {
      dragged = row;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.getAttribute("data-id"));
    });
    row.addEventListener("dragover", function (event) {
      if (dragged && dragged !== row) event.preventDefault();
    });
    row.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!dragged || dragged === row) return;
      var down = dragged.compareDocumentPosition(row) & Node.DOCUMENT_POSITION_FOLLOWING;
      var data = new FormData();
      data.set("csrf", csrf ? csrf.value : "");
      data.set("network", table.getAttribute("data-reorder"));
      data.set(down ? "after" : "before", row.getAttribute("data-id"));
      fetch("/contacts/" + dragged.getAttribute("data-id") + "/move", {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "console" }
      }).then(function (r) { return r.json(); }).then(function (answer) {
        var url = new URL(location.href);
        if (answer.ok) url.searchParams.delete("moved"); else url.searchParams.set("moved", "0");
        location.assign(url.toString());
      });
    });
  });
});
