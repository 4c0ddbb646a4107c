// reportage editor (?edit=1): the episode's title and its English, renamed in place, as
// `reportage title` does: Enter saves, Escape goes back. A rename another editor saved first
// is shown: a box typed in keeps what was typed, to save over it; one left as it was takes the
// other's title, so that only what was typed is ever sent.
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
  var later = null;  // titles a History revert gave while the boxes were open: shown at close

  function tell(text, kind) { status.textContent = text; status.className = kind || ""; }
  // The titles as the server has them now (after a rename, a revert, or another's rename).
  function show(title, titleEn, newRev) {
    later = null;  // these are newer than any titles kept for later
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
      // Ctrl+Enter too saves the titles only, not the page's typed lines.
      if (ev.key === "Enter") { ev.preventDefault(); ev.stopPropagation(); save(); }
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
    if (later) show.apply(null, later);
    heading.hidden = button.hidden = false;
    english.hidden = !english.textContent;
    button.focus();
  }
  // The server's titles while the boxes are open: a box left as it was follows them.
  function follow(title, titleEn, newRev) {
    var was = { nl: heading.textContent, en: english.textContent };
    show(title, titleEn, newRev);
    if (inputs.nl.value.trim() === was.nl) inputs.nl.value = title;
    if (inputs.en.value.trim() === was.en) inputs.en.value = titleEn || "";
    heading.hidden = english.hidden = true;  // the boxes stay in their place
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
        follow(r.data.title, r.data.title_en, r.data.rev);
        tell((r.data.by || "another editor") + " changed the titles meanwhile (now “" +
             r.data.title + "”" + (r.data.title_en ? " / “" + r.data.title_en + "”" : "") +
             "): Enter saves what you typed over them, Escape keeps theirs", "bad");
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
  // was typed over, so that its save meets the revert as a conflict instead of undoing it; the
  // titles are shown when the boxes close.
  window.reportageTitle = {
    show: function (title, titleEn, newRev) {
      if (inputs) later = [title, titleEn, newRev];
      else show(title, titleEn, newRev);
    },
  };
})();
