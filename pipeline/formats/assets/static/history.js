// reportage editor, history (?edit=1): the episode's edits, newest first, each with a Revert
// (`reportage history` and `revert` in the page). It outlives a reload, and reverts what a
// line's own Undo does not: a speaker's rename or move, a chapter edit, English confirmed as
// still right. A revert is an edit of its own; one after a newer edit of the same thing is
// refused with the server's reason, naming the edit to revert first.
(function () {
  "use strict";
  var panel = document.getElementById("history");
  var editor = window.reportageEditor;
  if (!panel || !editor) return;
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug);
  var list = panel.querySelector("ol");
  var say = panel.querySelector(".history-status");
  var MACHINE = "reportage";  // the English a change took along: reverted with that change
  var FIELDS = { nl: "Dutch", en: "English", speaker: "speaker" };
  var chapters = window.reportageChapters;

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
  function chapterName(id) {
    var title = chapters && chapters.title(id);
    return title ? "“" + title + "”" : id;
  }
  // What an edit changed, in the page's words: "line 00:41 Dutch", "name of S2".
  function what(e) {
    if (e.segment === "episode" && e.field === "title") return "episode title";
    if (e.segment === "episode" && e.field === "title_en") return "English episode title";
    if (e.field === "speaker_name") return "name of " + e.segment;
    if (e.field === "chapter_title") return "title of chapter " + chapterName(e.segment);
    if (e.field === "chapter_title_en") return "English title of chapter " + chapterName(e.segment);
    if (e.field === "chapters") return "chapters";
    return "line " + editor.timeOf(e.segment) + " " + (FIELDS[e.field] || e.field);
  }
  // Its before and after: a speaker by name, a move of chapters in words (its outlines on
  // hover), English kept as it was "still right".
  function change(e, li) {
    if (e.field === "chapters") {
      li.appendChild(el("span", "change", e.change)).title = e.before + "\n→ " + e.after;
      return;
    }
    if (e.field === "en" && e.before === e.after && e.revert_of === null) {
      li.appendChild(el("span", "change", "marked still right: " + short(e.after)));
      return;
    }
    var shown = e.field === "speaker" ? editor.nameOf : short;
    li.appendChild(el("span", "was", shown(e.before) || "(empty)"));
    li.appendChild(document.createTextNode(" → " + (shown(e.after) || "(empty)")));
  }

  function row(e) {
    var li = el("li");
    li.appendChild(el("span", "when", "#" + e.id + " · " + when(e.time) + " · " + e.editor + " · "));
    var target = document.getElementById("seg-" + e.segment);
    var label = el(target ? "a" : "span", "what", what(e));
    if (target) label.href = "#seg-" + e.segment;
    li.appendChild(label);
    li.appendChild(document.createTextNode(": "));
    change(e, li);
    li.appendChild(document.createTextNode(" "));
    if (e.revert_of !== null) li.appendChild(el("span", "undoes", "(reverts #" + e.revert_of + ") "));
    if (e.editor !== MACHINE) {
      var b = el("button", "revert", "Revert");
      b.type = "button";
      b.title = "Give back what edit #" + e.id + " replaced";
      b.addEventListener("click", function () { revert(e, b); });
      li.appendChild(b);
    }
    return li;
  }

  // The list as the server has it now; `said`: what to tell once it is shown.
  // The list anew, and the status: `said`, else what the list calls for ("no edits yet"); where
  // `keep` (a reload after a save), an action's message (a revert's) stays.
  var listNote = "";
  function load(said, kind, keep) {
    return editor.send("GET", api + "/history").then(function (r) {
      if (r.code !== 200) { tell(editor.refusal("history not loaded", r), "bad"); return; }
      list.textContent = "";
      r.data.edits.forEach(function (e) { list.appendChild(row(e)); });
      var more = r.data.total > r.data.edits.length ? "the newest " + r.data.edits.length +
        " of " + r.data.total + " edits (reportage history lists them all)" : "";
      var note = more || (r.data.edits.length ? "" : "no edits yet");
      if (said || !keep || say.textContent === listNote) tell(said || note, kind);
      listNote = note;
    });
  }
  var soon = null;  // a replace saves many lines: one reload after the last
  function loadSoon() {
    clearTimeout(soon);
    soon = setTimeout(function () { if (panel.open) load("", "", true); }, 300);
  }

  function revert(e, button) {
    if (e.field.indexOf("chapter") === 0 && chapters && chapters.typing()) {
      tell("save or clear the chapter title you typed first: a revert may remove its chapter", "bad");
      return;
    }
    button.disabled = true;
    tell("reverting edit #" + e.id + "…");
    // In turn with the line's own saves: one sent meanwhile would meet a stale rev.
    editor.inLine(e.segment, function () {
      return editor.send("POST", api + "/revert", { edit: e.id }).then(answered);
    });
    function answered(r) {
      // The list is made anew, its buttons with it: a keyboard user goes on from the outcome.
      return told(r).then(function () { say.focus(); });
    }
    function told(r) {
      if (r.code !== 200) {  // the edit it names may be newer than this list
        return load(editor.refusal("not reverted", r), "bad");
      }
      (r.data.segments || []).forEach(editor.restore);
      editor.names(r.data.speakers, r.data.speakers_rev);
      if (window.reportageTitle) window.reportageTitle.show(r.data.title, r.data.title_en,
                                                            r.data.title_rev);
      if (r.data.chapters && chapters) chapters.reload();
      return load(editor.withWarning(r.data.edits.length ? "reverted edit #" + e.id :
        "edit #" + e.id + " was already undone: nothing to do", r.data), "ok");
    }
  }

  var refresh = el("button", "refresh", "Refresh");
  refresh.type = "button";
  refresh.title = "Show the edits other editors made since";
  refresh.addEventListener("click", function () { load(); });
  panel.querySelector("summary").after(refresh);
  panel.addEventListener("toggle", function () { if (panel.open) load(); });
  // This editor's saves, renames, moves and chapter changes show at once.
  document.addEventListener("reportage:saved", loadSoon);
})();
