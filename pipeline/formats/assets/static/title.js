// reportage editor (?edit=1): the episode's title and its English, renamed in place, as
// `reportage title` does: Enter saves, Escape goes back. A rename another editor saved first
// is shown, with the typed titles kept in their boxes to save over it.
(function () {
  "use strict";
  var button = document.getElementById("rename-title");
  var editor = window.reportageEditor;
  if (!button || !editor) return;
  var heading = document.querySelector("header.top h1");
  var english = document.querySelector("header.top .title-en");
  var status = document.getElementById("title-status");
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug) + "/title";
  var rev = parseInt(document.body.dataset.titleRev, 10);
  var inputs = null;  // {nl, en} while the titles are being typed

  function tell(text, kind) { status.textContent = text; status.className = kind || ""; }
  // The titles as the server has them now (after a rename, a revert, or another's rename).
  function show(title, titleEn, newRev) {
    heading.textContent = title;
    document.title = title;
    english.textContent = titleEn || "";
    english.hidden = !titleEn;
    rev = newRev;
  }
  function box(value, cls, label, lang) {
    var input = document.createElement("input");
    input.type = "text";
    input.className = cls;
    input.maxLength = 200;
    input.value = value;
    input.lang = lang;
    input.setAttribute("aria-label", label);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); save(); }
      if (ev.key === "Escape") { ev.preventDefault(); close(); }
    });
    return input;
  }
  function open() {
    inputs = { nl: box(heading.textContent, "title-input", "Episode title", "nl"),
               en: box(english.textContent, "title-en-input",
                       "Episode title in English (empty: none)", "en") };
    inputs.en.placeholder = "English title (optional)";
    heading.hidden = english.hidden = button.hidden = true;
    heading.after(inputs.nl, inputs.en);
    inputs.nl.focus();
    inputs.nl.select();
  }
  function close() {
    tell("");
    inputs.nl.remove();
    inputs.en.remove();
    inputs = null;
    heading.hidden = button.hidden = false;
    english.hidden = !english.textContent;
    button.focus();
  }
  function typed() {  // the titles that differ from the saved ones
    var body = {};
    if (inputs.nl.value.trim() !== heading.textContent) body.title = inputs.nl.value;
    if (inputs.en.value.trim() !== english.textContent) body.title_en = inputs.en.value;
    return body;
  }
  function save() {
    var body = typed();
    if (!Object.keys(body).length) { close(); return; }
    body.rev = rev;
    inputs.nl.disabled = inputs.en.disabled = true;
    tell("saving…");
    editor.send("PATCH", api, body).then(function (r) {
      if (r.code === 200) {
        show(r.data.title, r.data.title_en, r.data.rev);
        close();
        tell(editor.withWarning(r.data.edits.length ? "title saved" : "unchanged", r.data), "ok");
        if (r.data.edits.length) editor.changed();
        return;
      }
      inputs.nl.disabled = inputs.en.disabled = false;
      inputs.nl.focus();
      if (r.code === 409) {
        show(r.data.title, r.data.title_en, r.data.rev);
        heading.hidden = english.hidden = true;  // the boxes stay in their place
        tell((r.data.by || "another editor") + " renamed it “" + r.data.title + "” meanwhile: " +
             "Enter saves yours over it, Escape keeps theirs", "bad");
      } else {
        tell(editor.refusal("not saved", r), "bad");
      }
    });
  }
  button.addEventListener("click", open);
  window.addEventListener("beforeunload", function (ev) {  // a typed title is not lost unasked
    if (inputs && Object.keys(typed()).length) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
  // For history.js: a reverted rename. While a title is being typed the page keeps the rev it
  // was typed over, so that its save meets the revert as a conflict instead of undoing it.
  window.reportageTitle = {
    show: function (title, titleEn, newRev) { if (!inputs) show(title, titleEn, newRev); },
  };
})();
