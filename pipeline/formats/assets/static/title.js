// reportage editor (?edit=1): the episode's title, renamed in place, as `reportage title`
// does: Enter saves, Escape goes back. A rename another editor saved first is shown, with
// the typed title kept in the box to save over it.
(function () {
  "use strict";
  var button = document.getElementById("rename-title");
  var editor = window.reportageEditor;
  if (!button || !editor) return;
  var heading = document.querySelector("header.top h1");
  var status = document.getElementById("title-status");
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug) + "/title";
  var rev = parseInt(document.body.dataset.titleRev, 10);
  var input = null;

  function tell(text, kind) { status.textContent = text; status.className = kind || ""; }
  // The title as the server has it now (after a rename, a revert, or another's rename).
  function show(title, newRev) {
    heading.textContent = title;
    document.title = title;
    rev = newRev;
  }
  function open() {
    input = document.createElement("input");
    input.type = "text";
    input.className = "title-input";
    input.maxLength = 200;
    input.value = heading.textContent;
    input.setAttribute("aria-label", "Episode title");
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); save(); }
      if (ev.key === "Escape") { ev.preventDefault(); close(); }
    });
    heading.hidden = button.hidden = true;
    heading.after(input);
    input.focus();
    input.select();
  }
  function close() {
    tell("");
    input.remove();
    input = null;
    heading.hidden = button.hidden = false;
    button.focus();
  }
  function save() {
    if (input.value.trim() === heading.textContent) { close(); return; }
    input.disabled = true;
    tell("saving…");
    editor.send("PATCH", api, { rev: rev, title: input.value }).then(function (r) {
      if (r.code === 200) {
        show(r.data.title, r.data.rev);
        close();
        tell(editor.withWarning(r.data.edits.length ? "title saved" : "unchanged", r.data), "ok");
        if (r.data.edits.length) editor.changed();
        return;
      }
      input.disabled = false;
      input.focus();
      if (r.code === 409) {
        show(r.data.title, r.data.rev);
        tell((r.data.by || "another editor") + " renamed it “" + r.data.title + "” meanwhile: " +
             "Enter saves yours over it, Escape keeps theirs", "bad");
      } else {
        tell(editor.refusal("not saved", r), "bad");
      }
    });
  }
  button.addEventListener("click", open);
  window.addEventListener("beforeunload", function (ev) {  // a typed title is not lost unasked
    if (input && input.value.trim() !== heading.textContent) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
  // For history.js: a reverted rename. While a title is being typed the page keeps the rev it
  // was typed over, so that its save meets the revert as a conflict instead of undoing it.
  window.reportageTitle = { show: function (title, newRev) { if (!input) show(title, newRev); } };
})();
