// reportage editor, history (?edit=1): the episode's edits, newest first, each with a Revert
// (`reportage history` and `revert` in the page). It outlives a reload, and reverts what a
// line's own Undo does not: a speaker's rename or move, a chapter edit, English confirmed as
// still right. A revert is an edit of its own; one after a newer edit of the same thing is
// refused with the server's reason (that edit's work would be lost).
(function () {
  "use strict";
  var panel = document.getElementById("history");
  var editor = window.reportageEditor;
  if (!panel || !editor) return;
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug);
  var list = panel.querySelector("ol");
  var say = panel.querySelector(".history-status");
  var MACHINE = "reportage";  // the English a change took along: reverted with that change
  var FIELDS = { nl: "Dutch", en: "English", speaker: "speaker", speaker_name: "name",
                 chapter_title: "chapter title", chapter_title_en: "English chapter title",
                 chapters: "chapters" };

  function tell(text, kind) { say.textContent = text; say.className = "history-status " + (kind || ""); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }
  function short(text) {
    text = text || "";
    return text.length > 120 ? text.slice(0, 119) + "…" : text;
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
  }
  // What an edit changed, in the page's words: "line 00:41 Dutch", "name of S2".
  function what(e) {
    var line = document.getElementById("seg-" + e.segment);
    var field = FIELDS[e.field] || e.field;
    if (e.field === "speaker_name") return "name of " + e.segment;
    if (e.field === "chapters") return "chapters";
    if (e.field.indexOf("chapter_") === 0) return field + " of " + e.segment;
    var time = line ? line.querySelector(".time") : null;
    return "line " + (time ? time.textContent : e.segment) + " " + field;
  }

  function row(e) {
    var li = el("li");
    li.appendChild(el("span", "when", when(e.time) + " · " + e.editor + " · "));
    var target = document.getElementById("seg-" + e.segment);
    var label = el(target ? "a" : "span", "what", what(e));
    if (target) label.href = "#seg-" + e.segment;
    li.appendChild(label);
    li.appendChild(document.createTextNode(": "));
    li.appendChild(el("span", "was", short(e.before) || "(empty)"));
    li.appendChild(document.createTextNode(" → " + (short(e.after) || "(empty)") + " "));
    if (e.revert_of !== null) li.appendChild(el("span", "undoes", "(reverts " + e.revert_of + ") "));
    if (e.editor !== MACHINE) {
      var b = el("button", "revert", "Revert");
      b.type = "button";
      b.title = "Give back what edit " + e.id + " replaced";
      b.addEventListener("click", function () { revert(e, b); });
      li.appendChild(b);
    }
    return li;
  }

  function load() {
    return editor.send("GET", api + "/history").then(function (r) {
      if (r.code !== 200) { tell(refusal("history not loaded", r), "bad"); return; }
      list.textContent = "";
      r.data.edits.forEach(function (e) { list.appendChild(row(e)); });
      if (!r.data.edits.length) tell("no edits yet");
      else if (r.data.total > r.data.edits.length) {
        tell("the newest " + r.data.edits.length + " of " + r.data.total +
             " edits (reportage history lists them all)");
      }
    });
  }
  function refusal(what, r) {
    if (r.code === 401) return what + ": editor token missing or wrong";
    if (r.code === 0) return what + ": server unreachable";
    return what + ": " + (typeof r.data.detail === "string" ? r.data.detail : "error " + r.code);
  }

  function revert(e, button) {
    button.disabled = true;
    tell("reverting edit " + e.id + "…");
    editor.send("POST", api + "/revert", { edit: e.id }).then(function (r) {
      if (r.code !== 200) { button.disabled = false; tell(refusal("not reverted", r), "bad"); return; }
      (r.data.segments || []).forEach(editor.restore);
      if (e.field === "speaker_name") editor.names(r.data.speakers, r.data.speakers_rev);
      if (r.data.chapters && window.reportageChapters) window.reportageChapters.reload();
      return load().then(function () {
        tell(editor.withWarning(r.data.edits.length ? "reverted edit " + e.id :
             "edit " + e.id + " was already undone: nothing to do", r.data), "ok");
      });
    });
  }

  panel.addEventListener("toggle", function () { if (panel.open) load(); });
  // Saves made while it is open show at once.
  document.addEventListener("reportage:saved", function () { if (panel.open) load(); });
})();
