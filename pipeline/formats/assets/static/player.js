// reportage listener page: click a line to seek, follow the spoken segment, #t= deep links,
// the nl / en / both toggle. Plain script, no dependencies; also inlined into index.html.
(function () {
  "use strict";
  var audio = document.getElementById("audio");
  var list = document.getElementById("transcript");
  if (!audio || !list) return;
  var segs = Array.prototype.slice.call(list.querySelectorAll(".seg"));
  var starts = segs.map(function (li) { return parseFloat(li.dataset.start); });
  var editing = document.body.classList.contains("editing");
  var current = null;
  var pendingSeek = null;

  // The sticky header's height as --top-h: focus and jumps scroll clear of it, and the
  // chapter list sticks below it, however tall the editor's toolbars or a shown link make it.
  var header = document.querySelector(".top");
  function measureHeader() {
    var sticky = header && getComputedStyle(header).position === "sticky";
    document.documentElement.style.setProperty("--top-h", (sticky ? header.offsetHeight : 0) + "px");
  }
  measureHeader();
  window.addEventListener("resize", measureHeader);
  if (header && window.ResizeObserver) new ResizeObserver(measureHeader).observe(header);

  // The last segment that starts at or before t.
  function indexAt(t) {
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.01) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }

  var still = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  function visibleTop() {
    return header && getComputedStyle(header).position === "sticky" ?
      header.getBoundingClientRect().bottom : 0;
  }
  function inView(el) {
    var box = el.getBoundingClientRect();
    return box.bottom > visibleTop() && box.top < window.innerHeight;
  }
  function keepInView(el) {
    var box = el.getBoundingClientRect();
    if (box.top < visibleTop() || box.bottom > window.innerHeight) {
      el.scrollIntoView({ block: "center", behavior: still ? "auto" : "smooth" });
    }
  }

  // `follow`: the page scrolls along with the playing line only while that line is on screen;
  // a listener who scrolled or tabbed away to read on is left there (the "Now playing" button
  // brings the line back).
  function highlight(t, scroll, follow) {
    var i = indexAt(t);
    var li = i >= 0 ? segs[i] : null;
    if (li === current) return;
    var watched = !current || inView(current);
    if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
    current = li;
    if (li) {
      li.classList.add("now");
      li.setAttribute("aria-current", "true");
      if (scroll || (follow && watched)) keepInView(li);
    }
  }

  var back = document.getElementById("now-playing");
  function offerWayBack() {
    if (back) back.hidden = audio.paused || !current || inView(current);
  }
  if (back) {
    back.addEventListener("click", function () {
      if (current) keepInView(current);
      back.hidden = true;
    });
    window.addEventListener("scroll", offerWayBack, { passive: true });
  }

  function seek(t, play) {
    t = Math.max(0, t);
    if (audio.readyState >= 1) { audio.currentTime = t; } else { pendingSeek = t; }
    highlight(t, true);
    if (play) resume();
  }
  function resume() {
    var started = audio.play();
    if (started && started.catch) started.catch(function () {});
  }

  audio.addEventListener("loadedmetadata", function () {
    if (pendingSeek !== null) { audio.currentTime = pendingSeek; pendingSeek = null; }
  });
  audio.addEventListener("timeupdate", function () {
    highlight(audio.currentTime, false, !audio.paused && !typing());
    offerWayBack();
  });
  audio.addEventListener("pause", offerWayBack);

  // Play and pause from anywhere on the page: k, or Space where it would only scroll (the page,
  // a line's time); a text field types them, a button or box keeps its own Space.
  document.addEventListener("keydown", function (ev) {
    var at = document.activeElement;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat || typing() ||
        (at && at.matches("select, [contenteditable]"))) return;  // a menu's type-ahead
    var spaceScrolls = !at || at === document.body || at.matches('a[href^="#t="]');
    if (ev.key === "k" || (ev.key === " " && spaceScrolls)) {
      ev.preventDefault();
      if (audio.paused) { resume(); } else { audio.pause(); }
    }
  });
  // An editor typing in a line keeps it in view: the playing line is marked, not scrolled to.
  function typing() {
    var at = document.activeElement;
    return Boolean(at && at.matches("textarea, input:not([type=checkbox]):not([type=radio])"));
  }

  // "#t=90.5", "#t=1:30" or "#t=1:02:03"; anything else is no time (not the digits it starts with).
  function timeFromHash() {
    var m = /(?:^#|&)t=([^&]*)/.exec(location.hash);
    if (!m || !/^(\d+:){0,2}\d+(\.\d+)?$/.test(m[1])) return null;
    return m[1].split(":").reduce(function (sum, part) { return sum * 60 + parseFloat(part); }, 0);
  }
  function followHash() {
    var t = timeFromHash();
    if (t !== null) seek(t, false);
  }
  window.addEventListener("hashchange", followHash);
  followHash();

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest('a[href^="#t="]');
    if (link) {
      ev.preventDefault();
      history.replaceState(null, "", link.getAttribute("href"));
      seek(timeFromHash(), true);
      return;
    }
    var seg = ev.target.closest(".seg");
    if (seg && !editing && !String(window.getSelection())) {
      seek(parseFloat(seg.dataset.start), true);
    }
  });

  // The Files menu closes as a menu does: Escape, or a click or focus elsewhere.
  var files = document.querySelector("details.files");
  if (files) {
    var close = function (ev) {
      if (files.open && !files.contains(ev.target)) files.open = false;
    };
    document.addEventListener("click", close);
    document.addEventListener("focusin", close);
    files.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && files.open) {
        files.open = false;
        files.querySelector("summary").focus();
      }
    });
  }

  function setLang(value) {
    document.body.dataset.lang = value;
    try { localStorage.setItem("reportage-lang", value); } catch (e) { /* storage off */ }
  }
  var saved = null;
  try { saved = localStorage.getItem("reportage-lang"); } catch (e) { /* storage off */ }
  Array.prototype.forEach.call(document.querySelectorAll('input[name="lang"]'), function (r) {
    if (saved && r.value === saved) { r.checked = true; setLang(saved); }
    r.addEventListener("change", function () { if (r.checked) setLang(r.value); });
  });

  // Share this moment: the page's address with #t=<now>, copied, or shown to copy by hand.
  var share = document.getElementById("share");
  var shareUrl = document.getElementById("share-url");
  var shareNote = document.getElementById("share-note");
  function momentUrl() {
    // The listener's page, never the editor's (?edit=1), at the time now playing.
    var page = editing ? location.origin + location.pathname : location.href.split("#")[0];
    // To the hundredth, as the lines' starts are: a tenth cut off opened the line before.
    return page + "#t=" + audio.currentTime.toFixed(2);
  }
  function showUrl(url, note) {
    shareUrl.value = url;
    shareUrl.hidden = false;
    shareUrl.focus();
    shareUrl.select();
    shareNote.textContent = note;
  }
  if (share && shareUrl) {
    share.addEventListener("click", function () {
      var url = momentUrl();
      shareUrl.value = url;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(function () {
          shareUrl.hidden = true;
          shareNote.textContent = "Link copied";
        }, function () { showUrl(url, "Copy this link"); });
      } else {
        showUrl(url, "Copy this link");
      }
    });
  }

  window.reportagePlayer = { audio: audio, seek: seek };
})();
