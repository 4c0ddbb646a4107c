// reportage editor, chapters (?edit=1): rename a chapter in Dutch and English, move its start
// one segment earlier or later, start a new chapter at a segment (an episode without chapters
// gets its first ones), merge a chapter into the one before; undo the last of these. Every
// change goes through /api/episodes/<slug>/chapters with the episode's chapters_rev; a stale
// one (409) brings the current chapters in instead of overwriting them (and an undo after
// someone else's change is refused the same way).
(function () {
  "use strict";
  var list = document.getElementById("transcript");
  if (!list || !document.body.classList.contains("editing") || !window.reportageEditor) return;
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug) + "/chapters";
  var status = document.getElementById("status");
  var rev = 0, chapters = [];
  var undoButton = el("button", { type: "button", "class": "undo-chapters", hidden: "" }, "Undo");
  var lastEdits = [], lastDone = "";  // the last change's logged edits (what Undo reverts)
  var busy = false;  // a change is on its way: a second, sent at the same rev, would be refused

  var send = window.reportageEditor.send;

  function change(method, id, body, done) {  // id null: the episode's chapters as a whole
    if (busy) { status.textContent = "one moment: the last chapter change is being saved"; return; }
    busy = true;
    body.rev = rev;
    status.textContent = "saving the chapters…";
    undoButton.disabled = true;  // until this change is answered
    var url = id === null ? api : api + "/" + encodeURIComponent(id);
    send(method, url, body).then(function (reply) {
      answered(reply, done, false);
      if (reply.code === 409 && method === "PATCH") keepTyped(id, body);
    });
  }

  // A rename that came too late: the chapters are shown as they are now, and the titles the
  // editor typed stay in their fields (marked unsaved), for Enter to save over the others'.
  function keepTyped(id, body) {
    var li = shownChapter(id);
    if (!li) return;
    var nl = li.querySelector("input.title-nl"), en = li.querySelector("input.title-en");
    if ("title" in body) nl.value = body.title;
    if ("title_en" in body) en.value = body.title_en;
    // What the other editor saved may be what was typed: then nothing is left unsaved.
    li.classList.toggle("dirty", nl.value !== nl.dataset.saved || en.value !== en.dataset.saved);
    if (li.classList.contains("dirty")) {
      status.textContent += "; your title is kept in its field: Enter saves it over theirs";
    }
  }

  // A change that may remove chapters (an undo; a merge: `item`, the chapter it removes)
  // waits while a title typed into one is not saved.
  function typedFirst(item) {
    var typed = item ? item.classList.contains("dirty")
                     : Boolean(document.querySelector(".chapter-edit.dirty"));
    if (typed) {
      status.textContent = "save or clear the chapter title you typed first: this change " +
        "may remove its chapter";
    }
    return typed;
  }

  function undo() {
    if (busy || typedFirst()) return;
    busy = true;
    status.textContent = "undoing…";
    undoButton.disabled = true;  // a second click would be refused as a stale undo
    send("POST", api + "/undo", { rev: rev, edits: lastEdits }).then(function (reply) {
      answered(reply, "undone: " + lastDone, true);
      if (undoButton.hidden) heading().focus();  // it went: the panel, not the page's top
    });
  }

  function answered(reply, done, undoing) {
    var d = reply.data;
    busy = false;
    undoButton.disabled = false;
    if (reply.code === 200) {
      show(d);
      window.reportageEditor.changed();  // the History shows it
      if (typeof done === "function") done = done(d);  // what was done, told from the reply
      status.textContent = window.reportageEditor.withWarning(done, d);
      if (undoing) lastEdits = [];  // an undo is not undone from here
      else if (d.edits && d.edits.length) {
        lastEdits = d.edits;
        lastDone = done.split(";")[0];  // the change itself: "undone: chapter renamed"
      }
      undoButton.title = "Undo: " + lastDone;
      undoButton.hidden = !lastEdits.length;
    } else if (reply.code === 409) {
      show(d);
      lastEdits = [];
      undoButton.hidden = true;
      status.textContent = "the chapters were changed meanwhile: they are shown as they " +
        "are now; " + (undoing ? "nothing was undone" : "nothing of yours was saved");
    } else {
      status.textContent = window.reportageEditor.refusal(undoing ? "not undone" : "not saved",
                                                          reply);
    }
  }
  undoButton.addEventListener("click", undo);

  function shownChapter(id) {  // its item in the list as shown now
    return document.querySelector('.chapter-edit[data-id="' + CSS.escape(id) + '"]');
  }

  // A Dutch title given alone takes the machine's English for it along (or none): say which.
  function renamedAlone(d, before) {
    var now = d.chapters.filter(function (c) { return c.id === before.id; })[0];
    var english = now ? now.title_en || "" : "";
    if (english === (before.title_en || "")) return "chapter renamed";
    var li = shownChapter(before.id);
    if (!english && li) li.querySelector("input.title-en").focus();  // "type one": right there
    return "chapter renamed; English title " + (english ? "now “" + english + "”" :
                                                "cleared: none found, type one");
  }

  function said(li) {  // a line an editor emptied says nothing: no chapter starts there
    var nl = li.querySelector("textarea.nl");
    return !nl || nl.value.trim() !== "";
  }
  function segmentStarts() {
    return Array.prototype.filter.call(list.querySelectorAll(".seg"), said).map(function (li) {
      return Number(li.dataset.start);
    });
  }
  // The spoken line's start before or after `at`; `at` itself may be an emptied line's.
  function neighbourStart(at, step) {
    var starts = segmentStarts().filter(function (s) { return step * (s - at) > 1e-3; });
    return step < 0 ? starts[starts.length - 1] : starts[0];
  }
  function clock(s) {  // as the page's own times: 01:10, or 1:02:03 past an hour
    var t = Math.floor(Math.max(s, 0)), h = Math.floor(t / 3600);
    var m = Math.floor(t % 3600 / 60), sec = t % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (h ? h + ":" : "") + two(m) + ":" + two(sec);
  }
  function el(tag, props, text) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (props[k] !== undefined) node.setAttribute(k, props[k]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function show(data) {
    rev = data.rev;
    chapters = data.chapters || [];
    renderList();
    renderHeads();
    // A line that starts a chapter already (its first said line) cannot start a new one.
    var firsts = new Set(chapters.map(function (ch) {
      return ch.segment_ids.filter(function (id) {
        var li = document.getElementById("seg-" + id);
        return li && said(li);
      })[0];
    }));
    Array.prototype.forEach.call(list.querySelectorAll(".seg .split-here"), function (b) {
      var li = b.closest(".seg");
      b.hidden = firsts.has(li.dataset.id) || !said(li);
    });
    var count = document.querySelector(".chapter-count");  // in "· 2 chapters" (none: hidden)
    count.textContent = chapters.length + (chapters.length === 1 ? " chapter" : " chapters");
    count.parentNode.hidden = !chapters.length;
  }

  function renderList() {
    var nav = document.querySelector("nav.chapters");
    if (!nav) {
      nav = el("nav", { "class": "chapters", "aria-label": "Chapters" });
      nav.appendChild(el("h2", {}, "Chapters"));
      document.querySelector(".layout").prepend(nav);
    }
    if (!undoButton.parentNode) nav.querySelector("h2").after(undoButton);
    var old = nav.querySelector("ol");
    var kept = old ? unsaved(old) : {};
    var focus = old ? focused(old) : null;
    if (old) old.remove();
    var ol = el("ol");
    chapters.forEach(function (ch, n) { ol.appendChild(chapterItem(ch, n, kept[ch.id])); });
    nav.appendChild(ol);
    nav.hidden = !chapters.length;  // none yet: "New chapter here" at a line begins them
    if (focus) refocus(ol, focus);
  }

  // A keyboard user's place in the list survives its re-render: the same control of the same
  // chapter (by id, else by place), of the one before where that chapter went (a merge), or
  // the heading.
  function focused(ol) {
    var at = document.activeElement;
    var li = at && ol.contains(at) ? at.closest("li") : null;
    if (!li) return null;
    return { id: li.dataset.id, index: Array.prototype.indexOf.call(ol.children, li),
             count: ol.children.length, cls: at.className.split(" ")[0] };
  }
  function refocus(ol, was) {  // a moved start renames its chapter; a merge removes one
    var fewer = ol.children.length < was.count;
    var li = ol.querySelector('li[data-id="' + CSS.escape(was.id) + '"]') ||
      ol.children[Math.max(Math.min(was.index - (fewer ? 1 : 0), ol.children.length - 1), 0)];
    var target = li && (li.querySelector("." + CSS.escape(was.cls) + ":not([hidden])") ||
                        li.querySelector("a.time"));
    (target || heading()).focus();
  }
  function heading() {
    var h2 = document.querySelector("nav.chapters h2");
    h2.tabIndex = -1;
    return h2;
  }

  // Titles typed into other chapters and not saved yet: they stay through a re-render (a
  // field left as it was shows what the chapters hold now).
  function unsaved(ol) {
    var found = {};
    Array.prototype.forEach.call(ol.querySelectorAll(".chapter-edit.dirty"), function (li) {
      var kept = found[li.dataset.id] = {};
      li.querySelectorAll("input").forEach(function (input) {
        if (input.value !== input.dataset.saved) kept[input.className] = input.value;
      });
    });
    return found;
  }

  function chapterItem(ch, n, kept) {
    var li = el("li", { "class": "chapter-edit", "data-id": ch.id });
    li.appendChild(el("a", { href: "#t=" + ch.start.toFixed(2), "class": "time" }, clock(ch.start)));
    var nl = el("input", { "class": "title-nl", lang: "nl", "aria-label": "Dutch title " + (n + 1) });
    var en = el("input", { "class": "title-en", lang: "en", "aria-label": "English title " + (n + 1) });
    nl.dataset.saved = ch.title || "";
    en.dataset.saved = ch.title_en || "";
    kept = kept || {};
    nl.value = "title-nl" in kept ? kept["title-nl"] : nl.dataset.saved;
    en.value = "title-en" in kept ? kept["title-en"] : en.dataset.saved;
    li.append(nl, en);
    var tools = el("div", { "class": "chapter-tools" });
    function button(cls, label, title, act, spoken) {
      var b = el("button", { type: "button", "class": cls, title: title, "aria-label": spoken },
                 label);
      b.addEventListener("click", act);
      tools.appendChild(b);
    }
    function typed() {  // the titles that differ from the saved ones
      var body = {};
      if (nl.value !== (ch.title || "")) body.title = nl.value;
      if (en.value !== (ch.title_en || "")) body.title_en = en.value;
      return body;
    }
    function rename() {
      var body = typed();
      if (!Object.keys(body).length) {
        li.classList.remove("dirty");
        status.textContent = "the titles are unchanged";
        return;
      }
      var alone = "title" in body && !("title_en" in body);
      change("PATCH", ch.id, body, alone ? function (d) { return renamedAlone(d, ch); }
                                         : "chapter renamed");
    }
    [nl, en].forEach(function (input) {
      input.addEventListener("input", function () {
        li.classList.toggle("dirty", Object.keys(typed()).length > 0);
      });
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { ev.preventDefault(); rename(); }
        if (ev.key === "Escape") {  // back to the saved titles
          nl.value = ch.title || ""; en.value = ch.title_en || "";
          li.classList.remove("dirty");
        }
      });
    });
    var which = " chapter " + (n + 1);  // what a screen reader says each button does
    button("rename", "Rename", "Save both titles (Enter)", rename, "Rename" + which);
    if (n > 0) {
      button("earlier", "◀", "Start one segment earlier", function () { move(ch, -1); },
             "Start" + which + " one segment earlier");
      button("later", "▶", "Start one segment later", function () { move(ch, 1); },
             "Start" + which + " one segment later");
      button("merge", "Merge ↑", "Join this chapter to the one before", function () {
        if (typedFirst(li)) return;
        change("POST", ch.id, { action: "merge" }, "chapters merged");
      }, "Merge" + which + " into the one before");
    }
    li.classList.toggle("dirty", Object.keys(typed()).length > 0);  // kept unsaved titles
    li.appendChild(tools);
    return li;
  }

  function move(ch, step) {
    var at = neighbourStart(ch.start, step);
    if (at === undefined) { status.textContent = "no segment there"; return; }
    change("POST", ch.id, { action: "move", at: at }, "chapter start moved to " + clock(at));
  }

  function renderHeads() {
    Array.prototype.forEach.call(list.querySelectorAll(".chapter-head"), function (h) { h.remove(); });
    chapters.forEach(function (ch) {
      var first = document.getElementById("seg-" + ch.segment_ids[0]);
      if (!first) return;
      var head = el("li", { "class": "chapter-head" });
      var h2 = el("h2");
      h2.appendChild(el("span", { lang: "nl" }, ch.title));
      if (ch.title_en) { h2.append(" "); h2.appendChild(el("span", { "class": "en", lang: "en" }, ch.title_en)); }
      head.appendChild(h2);
      first.before(head);
    });
  }

  Array.prototype.forEach.call(list.querySelectorAll(".seg"), function (li) {
    var b = el("button", { type: "button", "class": "split-here", hidden: "",  // until loaded
                           title: "Start a new chapter at this segment" }, "New chapter here");
    b.addEventListener("click", function () {
      var at = Number(li.dataset.start), first = !chapters.length;
      change("POST", null, { at: at }, function (d) {
        var made = d.chapters.filter(function (ch) { return Math.abs(ch.start - at) < 0.01; })[0];
        var named = made && shownChapter(made.id);
        if (named) named.querySelector("input.title-nl").focus();  // its title, to write next
        if (!first) return "new chapter at " + clock(at);
        return "chapters begun: " + d.chapters.map(function (ch) {  // from the first line, and here
          return clock(ch.start) + " " + ch.title;
        }).join(" · ");
      });
    });
    li.querySelector(".tools").appendChild(b);
  });

  window.addEventListener("beforeunload", function (ev) {  // a typed title is not lost unasked
    if (document.querySelector(".chapter-edit.dirty")) { ev.preventDefault(); ev.returnValue = ""; }
  });

  function load() {
    send("GET", api).then(function (reply) { if (reply.code === 200) show(reply.data); });
  }
  window.reportageChapters = {  // for history.js
    reload: function () {  // after it reverted a chapter edit: the last change is not ours
      lastEdits = [];
      undoButton.hidden = true;
      load();
    },
    title: function (id) {  // a chapter's title now, or undefined where it is gone
      var found = chapters.filter(function (ch) { return ch.id === id; })[0];
      return found && found.title;
    },
    typing: function () { return Boolean(document.querySelector(".chapter-edit.dirty")); },
  };
  load();
})();
