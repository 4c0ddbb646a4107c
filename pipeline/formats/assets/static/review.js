// reportage editor, review (?edit=1): words the recogniser was unsure of are underlined and F8
// selects the next one (saving the line it leaves, if changed); the glossary's automatic fixes
// are listed under their line, a click undoes one; "replace everywhere" fixes a name in every
// line (one edit per line, undoable); terms that editors' corrections proposed for the glossary
// are accepted or dismissed.
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list || !document.body.classList.contains("editing") || !window.reportageEditor) return;
  var editor = window.reportageEditor;
  var slug = encodeURIComponent(document.body.dataset.slug);
  var say = document.getElementById("review-status");
  var findInput = document.getElementById("find");
  var withInput = document.getElementById("replace-with");
  var undoButton = document.getElementById("undo-replace");
  var panel = document.getElementById("proposals");
  var undoIds = [];

  function forEach(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }
  // POST `body` (GET without one); the reply's data, or an Error saying why not.
  function post(url, body) {
    return editor.send(body ? "POST" : "GET", url, body).then(function (r) {
      if (r.code === 200) return r.data;
      throw new Error(editor.reason(r));
    });
  }
  function tell(text, kind) { say.textContent = text; say.className = kind || ""; }

  // Unsure words: data-unsure holds "start-end" character spans of the Dutch.
  function spans(box) {
    return (box.dataset.unsure || "").split(" ").filter(Boolean).map(function (s) {
      var p = s.split("-");
      return [parseInt(p[0], 10), parseInt(p[1], 10)];
    });
  }
  function underline(box) {
    var backdrop = box.parentNode.querySelector(".backdrop"), text = box.value, at = 0;
    backdrop.textContent = "";
    spans(box).forEach(function (span) {
      backdrop.appendChild(document.createTextNode(text.slice(at, span[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(span[0], span[1]);
      backdrop.appendChild(mark);
      at = span[1];
    });
    backdrop.appendChild(document.createTextNode(text.slice(at) + "\n"));
  }
  forEach(list.querySelectorAll("textarea[data-unsure]"), underline);
  // After a change the unsure words around it stay marked (shifted by what was typed); the
  // ones the change touched have been read.
  var lastText = new WeakMap();
  function keepSpans(box) {
    var was = lastText.has(box) ? lastText.get(box) : box.defaultValue, now = box.value;
    var head = 0, tail = 0;
    while (head < was.length && head < now.length && was[head] === now[head]) head++;
    while (tail < was.length - head && tail < now.length - head &&
           was[was.length - 1 - tail] === now[now.length - 1 - tail]) tail++;
    var end = was.length - tail, shift = now.length - was.length;
    var kept = spans(box).filter(function (s) { return s[1] < head || s[0] > end; })
      .map(function (s) { return s[0] > end ? [s[0] + shift, s[1] + shift] : s; });
    box.dataset.unsure = kept.map(function (s) { return s[0] + "-" + s[1]; }).join(" ");
    if (!kept.length) delete box.dataset.unsure;
    lastText.set(box, now);
  }
  list.addEventListener("input", function (ev) {
    if (ev.target.dataset.unsure) { keepSpans(ev.target); underline(ev.target); }
  });
  list.addEventListener("scroll", function (ev) {
    var backdrop = ev.target.parentNode && ev.target.parentNode.querySelector(".backdrop");
    if (backdrop) backdrop.scrollTop = ev.target.scrollTop;
  }, true);

  // The first unsure word after the caret (in the field it is in, or a later one), or the
  // first of all.
  function nextUnsure() {
    var all = [];
    forEach(list.querySelectorAll("textarea[data-unsure]"), function (box) {
      spans(box).forEach(function (span) { all.push({ box: box, span: span }); });
    });
    if (!all.length) { tell("no unsure words left"); return; }
    if (!all[0].box.offsetParent) {  // the Dutch is hidden: focus would go nowhere
      tell("the unsure words are in the Dutch, which this view hides: show Dutch or both");
      return;
    }
    var here = document.activeElement, caret = here && here.selectionEnd;
    var next = all.find(function (item) {
      return item.box === here ? item.span[0] >= caret :
        Boolean(here.compareDocumentPosition(item.box) & Node.DOCUMENT_POSITION_FOLLOWING);
    }) || all[0];
    // Leaving a line that was changed saves it: reviewing goes on to the next unsure word.
    var left = here && here.closest && here.closest(".seg.dirty");
    if (left && next.box.closest(".seg") !== left) editor.save(left);
    next.box.focus();
    next.box.setSelectionRange(next.span[0], next.span[1]);
    tell("unsure word " + (all.indexOf(next) + 1) + " of " + all.length);
  }
  document.getElementById("next-unsure").addEventListener("click", nextUnsure);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "F8") { ev.preventDefault(); nextUnsure(); }
  });

  // Undo one glossary fix: what it replaced goes back, and the line is saved.
  list.addEventListener("click", function (ev) {
    var button = ev.target.closest(".undo-fix");
    if (!button) return;
    var li = button.closest(".seg"), box = li.querySelector("textarea." + button.dataset.lang);
    var now = button.dataset.now, start = parseInt(button.dataset.start, 10);
    if (box.value.slice(start, start + now.length) !== now) start = box.value.indexOf(now);
    if (start < 0) { tell("\u201c" + now + "\u201d is no longer in that line", "bad"); return; }
    box.value = box.value.slice(0, start) + button.dataset.was +
      box.value.slice(start + now.length);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    button.remove();
    editor.save(li);
  });

  // Replace everywhere, and its undo.
  var selected = "";
  list.addEventListener("select", function (ev) {
    var box = ev.target;
    if (box.tagName === "TEXTAREA") {
      selected = box.value.slice(box.selectionStart, box.selectionEnd).trim();
    }
  }, true);
  findInput.addEventListener("focus", function () {
    if (selected && !findInput.value) findInput.value = selected;
  });
  function showAll(data) { data.segments.forEach(editor.show); }
  document.getElementById("replace-all").addEventListener("click", function () {
    if (editor.unsaved()) { tell("save your changes first", "bad"); return; }
    var find = findInput.value.trim();
    if (!find) { tell("type the words to replace", "bad"); findInput.focus(); return; }
    tell("replacing…");
    post("/api/episodes/" + slug + "/replace", { find: find, replace: withInput.value })
      .then(function (data) {
        showAll(data);
        if (!data.edits.length) {  // nothing changed: the last replace can still be undone
          tell("\u201c" + find + "\u201d is not in the Dutch");
          return;
        }
        undoIds = data.edits;
        undoButton.hidden = false;
        tell(editor.withWarning("replaced in " + data.segments.length + " line(s)", data), "ok");
        loadProposals();
      }).catch(function (err) { tell("not replaced: " + err.message, "bad"); });
  });
  [findInput, withInput].forEach(function (input) {  // Enter in either box replaces
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.ctrlKey || ev.metaKey) return;
      ev.preventDefault();
      document.getElementById("replace-all").click();
    });
  });
  undoButton.addEventListener("click", function () {
    if (editor.unsaved()) { tell("save your changes first", "bad"); return; }
    undoButton.disabled = true;  // a second click would undo nothing and say so
    tell("undoing…");
    post("/api/episodes/" + slug + "/undo", { edits: undoIds }).then(function (data) {
      showAll(data);  // the lines kept too, as they are now
      undoIds = [];
      undoButton.hidden = true;
      var kept = data.kept_lines || [];
      tell(editor.withWarning("undone in " + (data.segments.length - kept.length) + " line(s)" +
        (kept.length ? "; changed since, so kept as they are: line " +
         kept.map(editor.timeOf).join(", ") : ""), data), "ok");
    }).catch(function (err) { tell("not undone: " + err.message, "bad"); })
      .then(function () { undoButton.disabled = false; });
  });

  // Proposed glossary terms.
  function loadProposals() {
    post("/api/glossary").then(showProposals).catch(function () { /* shown on the next save */ });
  }
  function showProposals(data) {
    var ul = panel.querySelector("ul");
    ul.textContent = "";
    data.proposed.forEach(function (p) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(p.text + (p.replaced.length ?
        " (was: " + p.replaced.join(", ") + ") " : " ")));
      [["Accept", "accept"], ["Dismiss", "dismiss"]].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = pair[0];
        b.addEventListener("click", function () {
          post("/api/glossary/proposed/" + pair[1], { text: p.text }).then(function (next) {
            tell(pair[1] === "accept" ? p.text + " is in the glossary" : "dismissed " + p.text,
              "ok");
            showProposals(next);
          }).catch(function (err) {  // taken or dismissed meanwhile (another tab): list anew
            tell(err.message, "bad");
            loadProposals();
          });
        });
        li.appendChild(b);
        li.appendChild(document.createTextNode(" "));
      });
      ul.appendChild(li);
    });
    panel.hidden = !data.proposed.length;
  }
  var proposalsSoon = null;  // a replace saves many lines: one reload after the last
  list.addEventListener("reportage:saved", function () {
    clearTimeout(proposalsSoon);
    proposalsSoon = setTimeout(loadProposals, 300);
  });
  loadProposals();
})();
