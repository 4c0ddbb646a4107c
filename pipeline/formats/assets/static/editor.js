// reportage editor (?edit=1): edit a segment's Dutch and English in place, save it with its
// rev through the API (token as a Bearer header), resolve conflicts, never leave unsaved text.
(function () {
  "use strict";
  var TOKEN = "reportage-token", NAME = "reportage-editor", FIELDS = ["nl", "en"];

  function load(key) { try { return localStorage.getItem(key) || ""; } catch (e) { return ""; } }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* off */ } }

  // `reportage serve` prints a link with #token=...: keep it, and take it out of the address bar.
  var fromLink = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (fromLink) {
    store(TOKEN, decodeURIComponent(fromLink[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }

  var list = document.getElementById("transcript");
  if (!list) return;  // the library page only needed the token
  var tokenInput = document.getElementById("token");
  var nameInput = document.getElementById("editor-name");
  var status = document.getElementById("status");
  var saveAll = document.getElementById("save-all");
  var api = "/api/episodes/" + encodeURIComponent(document.body.dataset.slug) + "/segments/";
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

  function accept(li, seg) {
    li.dataset.rev = seg.rev;
    saved.set(li, { nl: seg.nl, en: seg.en || "" });
    box(li, "nl").value = seg.nl;
    box(li, "en").value = seg.en || "";
    li.classList.toggle("en-stale", Boolean(seg.en_stale && seg.en));
    var old = conflictBox(li);
    if (old) old.remove();
    refresh(li);
  }

  function showConflict(li, seg) {
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
    line("Conflict: someone else saved this segment while you were editing. Theirs:");
    line(seg.nl, "theirs", "nl");
    if (seg.en) line(seg.en, "theirs", "en");
    button("Use theirs", function () { accept(li, seg); say(li, "took their text", "ok"); });
    button("Keep mine", function () {
      // Mine now replaces theirs knowingly: edit on top of their rev.
      li.dataset.rev = seg.rev;
      saved.set(li, { nl: seg.nl, en: seg.en || "" });
      div.remove();
      refresh(li);
      say(li, "save again to replace their text with yours");
    });
    li.querySelector(".tools").after(div);
    say(li, "not saved: conflict", "bad");
  }

  function save(li) {
    var body = changes(li);
    if (!Object.keys(body).length) return Promise.resolve();
    body.rev = parseInt(li.dataset.rev, 10);
    say(li, "saving…");
    return fetch(api + encodeURIComponent(li.dataset.id), {
      method: "PATCH",
      headers: {
        "Content-Type": "application/json",
        "Authorization": "Bearer " + tokenInput.value.trim(),
        "X-Editor": nameInput.value.trim() || "editor",
      },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.ok) { accept(li, data.segment); say(li, "saved", "ok"); }
        else if (r.status === 409) { showConflict(li, data.segment); }
        else if (r.status === 401) {
          say(li, "not saved: editor token missing or wrong", "bad");
          tokenInput.focus();
        } else { say(li, "not saved: " + (data.detail || r.status), "bad"); }
      });
    }, function () { say(li, "not saved: server unreachable", "bad"); });
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
  var stopAt = null;
  list.addEventListener("click", function (ev) {
    var li = ev.target.closest(".seg");
    if (!li) return;
    if (ev.target.closest(".save")) save(li);
    if (ev.target.closest(".play-seg")) {
      stopAt = parseFloat(li.dataset.end);
      player.seek(parseFloat(li.dataset.start), true);
    }
  });
  player.audio.addEventListener("timeupdate", function () {
    if (stopAt !== null && player.audio.currentTime >= stopAt) {
      player.audio.pause();
      stopAt = null;
    }
  });
  player.audio.addEventListener("seeking", function () {
    if (stopAt !== null && player.audio.currentTime > stopAt) stopAt = null;
  });
  saveAll.addEventListener("click", saveDirty);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.tagName !== "TEXTAREA") {
      ev.preventDefault();
      saveDirty();
    }
  });
  window.addEventListener("beforeunload", function (ev) {
    if (dirty().length) { ev.preventDefault(); ev.returnValue = ""; }
  });
})();
