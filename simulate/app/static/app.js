// The full form: json-editor generated from the scenario schema, checked by the server as
// the user types (the same messages as `simulate validate`), saved as the scenario file.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var holder = document.getElementById("editor");
  var source = document.getElementById("editor-data");
  if (!holder || !source || typeof JSONEditor === "undefined") return;
  // json-editor turns titles (a role's name, a school's, a funding line's) into text by
  // parsing them as HTML, so a name like <img src=...> would load and run as markup. Names
  // are text: keep them as they are (json-editor then shows them with textContent).
  [JSONEditor.AbstractEditor, JSONEditor.AbstractTheme].forEach(function (kind) {
    kind.prototype.cleanText = function (text) { return text; };
  });
  var given = JSON.parse(source.textContent);
  var slug = holder.dataset.slug;
  var editor = new JSONEditor(holder, {
    schema: given.schema,
    startval: given.data,
    theme: "html",
    iconlib: null,
    disable_edit_json: true,
    disable_properties: true,
    show_opt_in: true,
    no_additional_properties: true,
    prompt_before_delete: false,
    ajax: false,
  });
  var box = document.getElementById("full-messages");
  var timer = null;

  function show(messages) {
    box.textContent = "";
    holder.querySelectorAll(".msg-field").forEach(function (el) { el.remove(); });
    if (!messages.length) {
      var ok = document.createElement("p");
      ok.className = "ok";
      ok.textContent = "No problems found.";
      box.appendChild(ok);
      return;
    }
    var list = document.createElement("ul");
    list.className = "messages";
    messages.forEach(function (m) {
      var item = document.createElement("li");
      item.className = m.level;
      item.textContent = m.level + ": " + m.line;
      list.appendChild(item);
      var field = m.path ? editor.getEditor("root." + m.path.replace(/\[(\d+)\]/g, ".$1")) : null;
      if (field && field.container) {
        var note = document.createElement("p");
        note.className = "msg-field";
        note.textContent = m.text;
        field.container.appendChild(note);
      }
    });
    box.appendChild(list);
  }

  function send(url) {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(editor.getValue()),
    }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); });
  }

  editor.on("ready", function () {
    editor.on("change", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        send("/scenarios/" + slug + "/validate").then(function (r) { show(r[1].messages); });
      }, 400);
    });
  });
  document.getElementById("save-full").addEventListener("click", function () {
    send("/scenarios/" + slug + "/data").then(function (r) {
      show(r[1].messages);
      if (r[0]) window.location.assign("/scenarios/" + slug + "?notice=Saved");
    });
  });
});

// The compare form: the baseline is always a ticked scenario. Unticking it moves the
// baseline to today's staffing if that is ticked, else to the first ticked scenario.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("compare-form");
  var select = document.getElementById("baseline");
  if (!form || !select) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=scenario]"));

  function follow() {
    var ticked = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    Array.prototype.forEach.call(select.options, function (o) {
      o.disabled = ticked.indexOf(o.value) < 0;
    });
    if (ticked.length && ticked.indexOf(select.value) < 0) {
      var today = select.dataset.today;
      select.value = ticked.indexOf(today) >= 0 ? today : ticked[0];
    }
  }
  boxes.forEach(function (b) { b.addEventListener("change", follow); });
  follow();
});
