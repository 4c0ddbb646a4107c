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

  function keepInView(el) {
    var box = el.getBoundingClientRect();
    var top = header && getComputedStyle(header).position === "sticky" ?
      header.getBoundingClientRect().bottom : 0;
    if (box.top < top || box.bottom > window.innerHeight) {
      el.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  function highlight(t, scroll) {
    var i = indexAt(t);
    var li = i >= 0 ? segs[i] : null;
    if (li === current) return;
    if (current) current.classList.remove("now");
    current = li;
    if (li) {
      li.classList.add("now");
      if (scroll) keepInView(li);
    }
  }

  function seek(t, play) {
    t = Math.max(0, t);
    if (audio.readyState >= 1) { audio.currentTime = t; } else { pendingSeek = t; }
    highlight(t, true);
    if (play) {
      var started = audio.play();
      if (started && started.catch) started.catch(function () {});
    }
  }

  audio.addEventListener("loadedmetadata", function () {
    if (pendingSeek !== null) { audio.currentTime = pendingSeek; pendingSeek = null; }
  });
  audio.addEventListener("timeupdate", function () {
    highlight(audio.currentTime, !audio.paused && !typing());
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
