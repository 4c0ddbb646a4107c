// reportage editor (?edit=1): edit a segment's Dutch and English in place, save it with its
// rev through the API (token as a Bearer header), resolve conflicts, never leave unsaved text.
// Speakers: click a name to rename that speaker everywhere (with the episode's speakers_rev),
// or move one segment to another speaker with the select beside it (with the segment's rev).
(function () {
  "use strict";
  var TOKEN = "reportage-token", NAME = "reportage-editor", FIELDS = ["nl", "en"];
  var MACHINE = "reportage";  // the log's name for the pipeline's own changes
  var FIELD_NAMES = { nl: "Dutch", en: "English", speaker: "change of speaker" };

  function load(key) { try { return localStorage.getItem(key) || ""; } catch (e) { return ""; } }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* off */ } }

  // `reportage serve` prints a link with #token=...: keep it, and take it out of the address bar.
  var fromLink = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (fromLink) {
    var sent = fromLink[1];
    try { sent = decodeURIComponent(sent); } catch (e) { /* a torn link: the token as sent */ }
    store(TOKEN, sent);
    history.replaceState(null, "", location.pathname + location.search);
  }

  var list = document.getElementById("transcript");
  if (!list) return;  // the library page only needed the token
  var tokenInput = document.getElementById("token");
  var nameInput = document.getElementById("editor-name");
  var status = document.getElementById("status");
  var saveAll = document.getElementById("save-all");
  var episodeApi = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug);
  var api = episodeApi + "/segments/";
  var player = window.reportagePlayer;
  var saved = new Map();  // segment element -> {nl, en} as last saved

  tokenInput.value = load(TOKEN);
  nameInput.value = load(NAME);
  tokenInput.addEventListener("change", function () { store(TOKEN, tokenInput.value.trim()); });
  nameInput.addEventListener("change", function () { store(NAME, nameInput.value.trim()); });

  function box(li, field) { return li.querySelector("textarea." + field); }
  Array.prototype.forEach.call(list.querySelectorAll(".seg"), function (li) {
    saved.set(li, { nl: box(li, "nl").value, en: box(li, "en").value });
  });

  function changes(li) {
    var out = {}, last = saved.get(li);
    FIELDS.forEach(function (f) { if (box(li, f).value !== last[f]) out[f] = box(li, f).value; });
    return out;
  }
  function dirty() { return list.querySelectorAll(".seg.dirty"); }
  function refresh(li) {
    var isDirty = Object.keys(changes(li)).length > 0;
    li.classList.toggle("dirty", isDirty);
    li.querySelector(".save").disabled = !isDirty;
    var n = dirty().length;
    saveAll.disabled = n === 0;
    saveAll.textContent = n ? "Save all (" + n + ")" : "Save all";
  }
  function say(li, text, kind) {
    var el = li.querySelector(".state");
    el.textContent = text;
    el.className = "state" + (kind ? " " + kind : "");
  }
  function conflictBox(li) { return li.querySelector(".conflict"); }

  // The segment as the server now has it. `typedOver`: the text the boxes held when this was
  // asked for; a box typed into since keeps its text, unsaved (it is newer than the reply).
  function accept(li, seg, typedOver) {
    li.dataset.rev = seg.rev;
    if (seg.speaker) setSpeaker(li, seg.speaker);
    var now = { nl: seg.nl, en: seg.en || "" };
    saved.set(li, now);
    FIELDS.forEach(function (f) {
      if (!typedOver || box(li, f).value === typedOver[f]) box(li, f).value = now[f];
    });
    if (seg.edited && seg.edited.nl && box(li, "nl").value === now.nl &&
        box(li, "nl").dataset.unsure) {
      // Dutch an editor saved has been read: its unsure words are marked no more (as after a
      // reload), nor left where the text moved under them (a replace, a revert).
      delete box(li, "nl").dataset.unsure;
      li.querySelector(".backdrop").textContent = "";
    }
    li.classList.toggle("en-stale", Boolean(seg.en_stale && seg.en));
    var old = conflictBox(li);
    if (old) old.remove();
    refresh(li);
    li.dispatchEvent(new CustomEvent("reportage:saved", { bubbles: true }));
  }
  // For review.js: segments a batch edit changed are shown as saved.
  window.reportageEditor = {
    show: function (seg) {
      var li = document.getElementById("seg-" + seg.id);
      if (li) accept(li, seg);
    },
    // For history.js: a reverted line (a box typed into keeps its text, unsaved; its Undo,
    // of a save now reverted, goes), the speakers' names, and a speaker's name by id.
    restore: function (seg) {
      var li = document.getElementById("seg-" + seg.id);
      if (!li) return;
      accept(li, seg, saved.get(li));
      var undo = li.querySelector(".undo-save");
      if (undo) undo.remove();
      forgetSilent();
    },
    names: function (speakers, rev) { speakersRev = rev; applyNames(speakers); },
    // `request` in turn with the line's saves (a revert sent meanwhile would meet a stale rev).
    inLine: function (id, request) {
      var li = document.getElementById("seg-" + id);
      return li ? inTurn(li, request) : request();
    },
    nameOf: function (id) { return names.get(id) || id; },
    // A line's time as the page shows it ("00:41"), or its id where the page lacks it.
    timeOf: function (id) {
      var li = document.getElementById("seg-" + id);
      return li ? li.querySelector(".time").textContent : id;
    },
    changed: changed,
    unsaved: function () { return dirty().length; },
    save: function (li) { return save(li); },
    send: function (method, url, body) { return send(method, url, body); },
    withWarning: function (text, data) { return withWarning(text, data); },
    refusal: refusal,
    reason: reason,
  };

  // A change saved that is no line's own save (a rename, a move, a chapter edit): the open
  // History lists it.
  function changed() { document.dispatchEvent(new CustomEvent("reportage:saved")); }

  function showConflict(li, seg, by) {
    var old = conflictBox(li);
    if (old) old.remove();
    var div = document.createElement("div");
    div.className = "conflict";
    div.setAttribute("role", "alert");
    function line(text, cls, lang) {
      var p = document.createElement("p");
      p.textContent = text;
      if (cls) p.className = cls;
      if (lang) p.lang = lang;
      div.appendChild(p);
    }
    function button(text, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.addEventListener("click", action);
      div.appendChild(b);
      div.appendChild(document.createTextNode(" "));
    }
    var label = labelOf(li);
    var who = by && by !== MACHINE ? by : "someone else";
    line("Conflict: " + who + " saved this segment while you were editing. Theirs:");
    line(seg.nl, "theirs", "nl");
    if (seg.en) line(seg.en, "theirs", "en");
    if (seg.speaker && label && label.dataset.speaker !== seg.speaker) {  // theirs, either way
      setSpeaker(li, seg.speaker);
      line("They moved it to " + names.get(seg.speaker) + ".");
    }
    button("Use theirs", function () { accept(li, seg); say(li, "took their text", "ok"); });
    button("Keep mine", function () {
      // Mine now replaces theirs knowingly: edit on top of their rev. A field this editor did
      // not touch takes theirs, so that saving mine does not put back what they replaced.
      var mine = saved.get(li), theirs = { nl: seg.nl, en: seg.en || "" };
      FIELDS.forEach(function (f) {
        if (box(li, f).value === mine[f]) box(li, f).value = theirs[f];
      });
      li.dataset.rev = seg.rev;
      saved.set(li, theirs);
      div.remove();
      refresh(li);
      say(li, "save again to replace their text with yours");
    });
    li.querySelector(".tools").after(div);
    say(li, "not saved: conflict", "bad");
  }

  // `method` `body` (JSON) to `url` with the token and the editor's name; resolves to
  // {code, data} (code 0: no server). Shared with chapters.js and review.js.
  function send(method, url, body) {
    return fetch(url, {
      method: method,
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + tokenInput.value.trim(),
        // Percent-encoded: a header carries Latin-1 only, and fetch refuses "Łukasz" outright.
        "X-Editor": encodeURIComponent(nameInput.value.trim() || "editor"),
      },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { code: r.status, data: data };
      });
    }, function () { return { code: 0, data: {} }; });
  }
  // What a saved change says; the server's warning where the change was saved but something
  // after it failed (the search index), which the editor must not take for a lost edit.
  function withWarning(text, data) {
    return data.warning ? text + "; " + data.warning : text;
  }
  // PATCH `body` to `url`; `answer(code, data)` gets the reply.
  function patch(url, body, answer) {
    return send("PATCH", url, body).then(function (r) { answer(r.code, r.data); });
  }
  // Why a request `what` was refused, in one line: "not reverted: server unreachable".
  function refusal(what, r) { return what + ": " + reason(r); }
  // Why the server refused a request (its reply `r`): its own words where it gave them, the
  // first of a malformed request's complaints, else its code.
  function reason(r) {
    var detail = (r.data || {}).detail;
    if (r.code === 401) return "editor token missing or wrong";
    if (r.code === 0) return "server unreachable";
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length && detail[0].msg) return detail[0].msg;
    return "error " + r.code;
  }
  function refused(li, what, code, data) {
    say(li, refusal(what, { code: code, data: data }), "bad");
    if (code === 401) tokenInput.focus();
  }

  // A line's saves go one after the other: a second one sent at the same rev would be
  // refused as a conflict with the first, and what was typed meanwhile lost.
  var saving = new Map();  // segment element -> its last request, on its way
  function inTurn(li, request) {  // after the line's last request, whatever became of it
    var next = (saving.get(li) || Promise.resolve()).then(request, request);
    saving.set(li, next);
    return next.then(function () { if (saving.get(li) === next) saving.delete(li); });
  }
  // `asIs`: fields sent as they are when it goes (the English, still right).
  function save(li, asIs) { return inTurn(li, function () { return saveNow(li, asIs || []); }); }
  function saveNow(li, asIs) {
    var body = changes(li);
    asIs.forEach(function (f) { body[f] = box(li, f).value; });
    if (!Object.keys(body).length) return Promise.resolve();
    body.rev = parseInt(li.dataset.rev, 10);
    var sent = { nl: box(li, "nl").value, en: box(li, "en").value };
    say(li, "saving…");
    return patch(api + encodeURIComponent(li.dataset.id), body, function (code, data) {
      if (code === 200) {
        accept(li, data.segment, sent);
        var theirs = (data.merged || []).map(function (f) { return FIELD_NAMES[f] || f; });
        say(li, withWarning(theirs.length ? "saved, beside another editor's " +
                            theirs.join(" and ") : "saved", data), "ok");
        offerUndo(li, data.edits || []);
      }
      else if (code === 409) { showConflict(li, data.segment, data.by); }
      else { refused(li, "not saved", code, data); }
    });
  }

  // Undo of a line's last save: the server gives back what its edits replaced (logged as a
  // revert); a line changed since keeps its newer text.
  function offerUndo(li, ids) {
    if (!ids.length) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "undo-save";
    b.textContent = "Undo";
    b.addEventListener("click", function () {
      say(li, "undoing…");
      inTurn(li, function () {
        var typed = saved.get(li);  // boxes typed into since keep their text
        return send("POST", episodeApi + "/undo", { edits: ids }).then(function (r) {
          if (r.code !== 200) { refused(li, "not undone", r.code, r.data); return; }
          (r.data.segments || []).forEach(function (seg) { accept(li, seg, typed); });
          say(li, withWarning(r.data.kept ? "not undone: changed since" : "undone", r.data),
              r.data.kept ? "bad" : "ok");
          box(li, "nl").focus();  // the Undo button went with the message: back to the line
        });
      });
    });
    var state = li.querySelector(".state");
    state.appendChild(document.createTextNode(" "));
    state.appendChild(b);
  }

  function saveDirty() {
    var queue = Array.prototype.slice.call(dirty()), done = Promise.resolve();
    queue.forEach(function (li) { done = done.then(function () { return save(li); }); });
    return done.then(function () {
      var left = dirty().length;
      status.textContent = left ? left + " segment(s) not saved" : "all saved";
      status.className = left ? "bad" : "";
    });
  }

  // Speakers. Every edited line shows its speaker's name as a button (rename the speaker
  // everywhere, with the speakers_rev the page was rendered at) and a select beside it (move
  // this one line to another speaker or a new one, with the line's rev).
  var NEW = "new", MOVE_DELAY = 400;  // ms: arrowing through a closed select saves once
  var speakersRev = parseInt(document.body.dataset.speakersRev || "0", 10);
  var names = new Map();  // speaker id -> the name shown, in order of first appearance
  var voices = new Map();  // speaker id -> its colour (voice-N)
  var moveTimers = new Map();  // segment element -> a move waiting for the select to settle

  function labelOf(li) { return li.querySelector(".speaker[data-speaker]"); }
  function labelsOf(id) {
    return list.querySelectorAll('.speaker[data-speaker="' + CSS.escape(id) + '"]');
  }
  function moverOf(li) { return li.querySelector("select.mover"); }
  function forEach(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }

  forEach(list.querySelectorAll(".speaker[data-speaker]"), function (label) {
    var id = label.dataset.speaker, voice = /\bvoice-(\d+)\b/.exec(label.className);
    if (!names.has(id)) names.set(id, label.textContent);
    if (voice && !voices.has(id)) voices.set(id, voice[1]);
  });

  function optionText(id) {  // two speakers an editor gave one name still tell apart
    var name = names.get(id), twin = false;
    names.forEach(function (other, otherId) { twin = twin || (other === name && otherId !== id); });
    twin = twin || name.trim().toLowerCase() === "new speaker";  // not the menu's own choice
    return twin ? name + " (" + id + ")" : name;
  }
  function fillOptions(select, current) {
    select.textContent = "";
    names.forEach(function (name, id) { select.appendChild(new Option(optionText(id), id)); });
    select.appendChild(new Option("New speaker", NEW));
    select.value = current;
  }
  function refillMovers() {
    forEach(list.querySelectorAll("select.mover"), function (select) {
      fillOptions(select, select.value);  // a choice still waiting to be saved stays chosen
    });
  }
  function showName(label, name) {
    label.textContent = name;
    label.setAttribute("aria-label", "Speaker " + name + ": rename");
  }
  // The line's label (and select) show speaker `id`.
  function setSpeaker(li, id) {
    var label = labelOf(li), select = moverOf(li);
    if (!label) return;
    if (!names.has(id)) { names.set(id, id); refillMovers(); }
    if (!voices.has(id)) voices.set(id, String(voices.size % 8 + 1));
    if (label.dataset.speaker !== id) {
      label.dataset.speaker = id;
      label.className = label.className.replace(/\s*\bvoice-\d+\b/g, "") +
        " voice-" + voices.get(id);
      showName(label, names.get(id));
    }
    // A choice waiting to be sent stays chosen (a save coming back meanwhile sets the label).
    if (select && !moveTimers.has(li) && !li.classList.contains("moving")) select.value = id;
  }
  // Speakers left with no line (a reverted move to "New speaker") leave the menus, as after a
  // reload.
  function forgetSilent() {
    var gone = false;
    names.forEach(function (name, id) {
      // A named one stays to be chosen: its lines may come back to it.
      if (!labelsOf(id).length && name === id) { names.delete(id); gone = true; }
    });
    if (gone) refillMovers();
  }
  // The names the server holds ({id: name}; an id it lacks is unnamed) shown on every label.
  function applyNames(speakers) {
    var changed = false;
    names.forEach(function (old, id) {
      var name = Object.prototype.hasOwnProperty.call(speakers, id) ? speakers[id] : id;
      if (name === old) return;
      changed = true;
      names.set(id, name);
      forEach(labelsOf(id), function (label) { showName(label, name); });
    });
    if (changed) refillMovers();
  }

  forEach(list.querySelectorAll(".seg"), function (li) {
    var label = labelOf(li);
    if (!label) return;
    var select = document.createElement("select");
    select.className = "mover";
    select.title = "Move this line to another speaker";
    select.setAttribute("aria-label", "Speaker of the line at " +
      li.querySelector(".time").textContent + ": move it to");
    fillOptions(select, label.dataset.speaker);
    label.after(select);
  });

  function openRename(label) {
    var li = label.closest(".seg"), id = label.dataset.speaker;
    var input = document.createElement("input");
    input.type = "text";
    input.className = "speaker-name";
    input.maxLength = 80;
    input.autocomplete = "off";
    input.value = names.get(id);
    input.setAttribute("aria-label", "Name of speaker " + id +
      " on every line (Enter saves, Escape cancels)");
    label.hidden = true;
    label.after(input);
    input.focus();
    input.select();
    say(li, "Enter renames " + id + " on every line, Escape cancels");

    var open = true;
    var swapFor = null;  // the name another speaker has, offered as a swap
    function close(refocus) {
      if (!open) return;  // removing the field blurs it, and blur closes too
      open = false;
      label.hidden = false;
      input.remove();
      if (refocus) label.focus();
    }
    function rename() {
      var name = input.value.split(/\s+/).join(" ").trim();
      if (name === names.get(id)) { close(true); say(li, ""); return; }
      input.readOnly = true;
      say(li, "renaming…");
      var body = { rev: speakersRev, name: name, swap: name === swapFor };
      patch(episodeApi + "/speakers/" + encodeURIComponent(id), body,
        function (code, data) {
          input.readOnly = false;
          if (code === 200) {
            speakersRev = data.rev;
            applyNames(data.speakers);
            close(document.activeElement === input);
            say(li, withWarning("renamed on every line", data), "ok");
            changed();
            return;
          }
          if (code === 409) {  // show their names; the typed one stays for a knowing retry
            speakersRev = data.rev;
            applyNames(data.speakers);
            say(li, "Not renamed: conflict. Someone else renamed the speakers since this page " +
              "loaded; " + id + " is now \u201c" + names.get(id) + "\u201d. Enter saves your " +
              "name over theirs, Escape keeps theirs.", "bad");
          } else if (code === 422 && data.holder) {  // named the wrong way round?
            swapFor = name;
            var given = names.get(id) === id ? "unnamed" : "\u201c" + names.get(id) + "\u201d";
            say(li, "\u201c" + name + "\u201d already names " + data.holder + ". Enter again " +
              "swaps the two names (" + data.holder + " becomes " + given + "), Escape cancels.",
              "bad");
          } else {
            refused(li, "not renamed", code, data);
          }
          if (code !== 401) input.focus();
        });
    }
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" && ev.key !== "Escape") return;
      ev.preventDefault();
      ev.stopPropagation();  // not a Ctrl+Enter "save all"
      if (input.readOnly) return;
      if (ev.key === "Enter") { rename(); } else { close(true); say(li, ""); }
    });
    input.addEventListener("blur", function () {  // nothing typed: nothing to keep open
      if (!input.readOnly && input.value === names.get(id)) close(false);
    });
  }

  // In turn with the line's saves and reverts: sent at the rev the one before it left.
  function move(li) {
    moveTimers.delete(li);
    if (li.classList.contains("moving")) return;
    li.classList.add("moving");
    inTurn(li, function () { return moveNow(li); });
  }
  function moveNow(li) {
    var label = labelOf(li), select = moverOf(li), want = select.value;
    if (want === label.dataset.speaker) { li.classList.remove("moving"); return Promise.resolve(); }
    say(li, "moving…");
    return patch(api + encodeURIComponent(li.dataset.id),
      { rev: parseInt(li.dataset.rev, 10), speaker: want }, function (code, data) {
        li.classList.remove("moving");
        var next = select.value;  // chosen while this one was on its way
        if (code === 200) {
          setSpeaker(li, data.segment.speaker);  // a new speaker gets its name here
          changed();
          var moved = "moved to " + names.get(data.segment.speaker);
          // Another editor's text was saved meanwhile: shown, or, over unsaved typing, offered.
          var theirText = (data.merged || []).some(function (f) { return f !== "speaker"; });
          if (theirText && Object.keys(changes(li)).length) {
            showConflict(li, data.segment);
            return;
          }
          if (theirText) accept(li, data.segment);
          li.dataset.rev = data.segment.rev;
          say(li, withWarning(theirText ? moved + ", beside another editor's text" : moved,
                              data), "ok");
          if (next !== want) { select.value = next; move(li); }
          return;
        }
        select.value = label.dataset.speaker;
        if (code === 409) { showConflict(li, data.segment, data.by); }
        else { refused(li, "not moved", code, data); }
      });
  }

  list.addEventListener("change", function (ev) {
    if (!ev.target.matches("select.mover")) return;
    var li = ev.target.closest(".seg");
    clearTimeout(moveTimers.get(li));
    moveTimers.set(li, setTimeout(function () { move(li); }, MOVE_DELAY));
  });

  list.addEventListener("input", function (ev) {
    var li = ev.target.closest(".seg");
    if (li) refresh(li);
  });
  list.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.tagName === "TEXTAREA") {
      ev.preventDefault();
      save(ev.target.closest(".seg"));
    }
  });
  var stopAt = null, stopFrom = 0;  // "▶ segment": that line's span is played, then paused
  list.addEventListener("click", function (ev) {
    var li = ev.target.closest(".seg");
    if (!li) return;
    if (ev.target.closest(".save")) save(li);
    if (ev.target.closest(".en-ok")) save(li, ["en"]);
    var label = ev.target.closest(".speaker[data-speaker]");
    if (label && !label.hidden) openRename(label);
    if (ev.target.closest(".play-seg")) {
      stopFrom = parseFloat(li.dataset.start);
      stopAt = parseFloat(li.dataset.end);
      player.seek(stopFrom, true);
    }
  });
  player.audio.addEventListener("timeupdate", function () {
    if (stopAt !== null && player.audio.currentTime >= stopAt) {
      player.audio.pause();
      stopAt = null;
    }
  });
  player.audio.addEventListener("seeking", function () {  // elsewhere: it plays on from there
    var t = player.audio.currentTime;
    if (stopAt !== null && (t > stopAt || t < stopFrom - 0.05)) stopAt = null;
  });
  saveAll.addEventListener("click", saveDirty);

  // Clip: tick segments, and Clip downloads the audio from the first one's start to the last
  // one's end (the server cuts at whole words; at most MAX_CLIP seconds).
  var MAX_CLIP = 600;
  var clipButton = document.getElementById("clip");
  function picked() { return list.querySelectorAll(".seg.picked"); }
  function clipSpan() {
    var start = Infinity, end = -Infinity;
    forEach(picked(), function (li) {
      start = Math.min(start, parseFloat(li.dataset.start));
      end = Math.max(end, parseFloat(li.dataset.end));
    });
    return { start: start, end: end };
  }
  function refreshClip() {
    var n = picked().length;
    clipButton.disabled = n === 0;
    clipButton.textContent = n ? "Clip (" + n + ")" : "Clip";
  }
  list.addEventListener("change", function (ev) {
    if (!ev.target.matches("input.pick-seg")) return;
    ev.target.closest(".seg").classList.toggle("picked", ev.target.checked);
    refreshClip();
  });
  clipButton.addEventListener("click", function () {
    var span = clipSpan();
    if (!picked().length) return;
    if (span.end - span.start > MAX_CLIP) {
      status.textContent = "A clip is at most " + MAX_CLIP / 60 + " minutes: tick fewer segments";
      status.className = "bad";
      return;
    }
    var format = document.getElementById("clip-subtitles").checked ? "zip" : "mp3";
    var url = episodeApi + "/clip?start=" + span.start.toFixed(3) + "&end=" +
      span.end.toFixed(3) + "&lang=both&format=" + format;
    clipButton.disabled = true;
    status.textContent = "cutting the clip " + span.start.toFixed(1) + "–" +
      span.end.toFixed(1) + " s…";
    status.className = "";
    // Fetched, not followed: a refusal shows its reason here instead of a failed download.
    fetch(url).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          throw new Error(typeof data.detail === "string" ? data.detail : "error " + r.status);
        });
      }
      var named = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
      return r.blob().then(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = named ? named[1] : "clip." + format;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 60000);
        var warning = decodeURIComponent(r.headers.get("X-Reportage-Warning") || "");
        status.textContent = "clip downloaded: " + link.download + (warning ? " (" + warning + ")" : "");
      });
    }).catch(function (err) {
      status.textContent = "no clip: " + (err.message || "server unreachable");
      status.className = "bad";
    }).then(refreshClip);
  });
  document.addEventListener("keydown", function (ev) {
    // Not in a field of its own: a line saves itself, a chapter title renames its chapter.
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.tagName !== "TEXTAREA"
        && !ev.target.closest(".chapter-edit")) {
      ev.preventDefault();
      saveDirty();
    }
  });
  window.addEventListener("beforeunload", function (ev) {
    // An open name field holds a name typed (one left as it was closes when left).
    var naming = document.querySelector("input.speaker-name:not([readonly])");
    if (dirty().length || moveTimers.size || naming) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
