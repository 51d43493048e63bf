/* A phone photo is shrunk before it is sent. Phones take photos of 5 to 20 MB (48/50 MP), and
   the server refuses one over its limit (「超过 5 MB」), which a citizen on a phone cannot
   compress. Each image picked in a file box marked data-max-bytes (board.forms.PhotosInput: the
   server's limit, and data-max-side) that is over the limit is drawn on a canvas with its longer
   side at most data-max-side (turned as the camera held it), made a JPEG (quality 0.85, lower if
   still over the limit) and put in the box in place of the file, under the same name ending in
   .jpg; a note under the box says so (「照片已压缩: IMG_0001.jpg 12.3 MB → 1.1 MB」). A file within
   the limit goes as picked, whatever its size in pixels: a phone's screenshot (a PNG of 1290×2796,
   the refusal's own advice) stays a sharp PNG; the server scales a side over 4096 itself. A file
   the browser cannot read as an image (HEIC where it is not supported) or cannot shrink stays as
   it was: the server says why it is refused. A form sent while the photos are being shrunk waits
   for them. Without scripts, or in a browser without DataTransfer or canvas.toBlob, the files go
   as picked. The photos are shrunk one after another, each let go before the next is read: six
   50 MP photos decoded at once take over 1 GB, and a phone's browser closes the tab.
   A browser cannot send a file box back filled in, so a form the server refused (内容至少 20 个字)
   came back with the photos gone, and the citizen had to find them in the album again. The files
   of the box, once chosen (and shrunk), are kept in the browser's IndexedDB (minsheng-photos,
   under the user, the page and the box); a page whose box the server marks data-photos-lost puts
   them back (if chosen in the last 30 minutes) and says so, any other page with the box forgets
   them, and so does 退出 (forms.js). A page with the box also drops what no one may get back: the
   photos of another user (signed out without 退出, on a shared phone) and those past 30 minutes.
   A box with a line <id>_chosen (the post form's 「选择照片」, board/post.html) is out of sight (minsheng.css), its
   label the button, and the line names the photos chosen, 「已选择 2 张照片: 门口.jpg、楼道.jpg」, or says
   「未选择照片」: the browser's own box spoke its own language (「Choose Files」, 「No file chosen」). */
(function () {
  "use strict";
  var QUALITIES = [0.85, 0.7, 0.55];
  var MB = 1024 * 1024;

  function size(bytes) { return (bytes / MB).toFixed(1) + " MB"; }

  // the line under 「选择照片」: what the box holds now (chosen, shrunk or put back)
  function named(input) {
    var line = input.id && document.getElementById(input.id + "_chosen");
    if (!line) return;
    var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
    line.textContent = names.length ? "已选择 " + names.length + " 张照片: " + names.join("、") : "未选择照片";
  }
  document.querySelectorAll("input[type=file]").forEach(function (input) {
    if (!input.id || !document.getElementById(input.id + "_chosen")) return;
    input.required = false;  // there for the line without scripts alone (minsheng.css); the line is written here
    named(input);
    input.addEventListener("change", function () { named(input); });
  });

  function decode(file) {
    function viaImg() {
      return new Promise(function (resolve, reject) {
        var url = URL.createObjectURL(file), img = new Image();
        img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
        img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("undecodable")); };
        img.src = url;
      });
    }
    if (!window.createImageBitmap) return viaImg();
    try {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(viaImg);
    } catch (e) { return viaImg(); }  // a browser without the options argument
  }

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  // the file shrunk, or null when it is kept as it was
  function shrink(file, limit, side) {
    if (file.size <= limit || (file.type && !/^image\//.test(file.type))) return Promise.resolve(null);
    return decode(file).then(function (image) {
      var w = image.naturalWidth || image.width, h = image.naturalHeight || image.height;
      var scale = Math.min(1, side / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";  // a PNG's transparent parts: white, not JPEG's black
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) image.close();  // the decoded photo's memory, before the next one is read
      var tries = QUALITIES.slice();
      function attempt() {
        return toJpeg(canvas, tries.shift()).then(function (blob) {
          if (blob && blob.size > limit && tries.length) return attempt();
          canvas.width = canvas.height = 0;  // Safari keeps a canvas's memory until then
          if (!blob || blob.size > limit) return null;  // still over the limit: the server says so
          var name = (file.name || "照片").replace(/\.[^.]*$/, "") + ".jpg";
          return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
        });
      }
      return attempt();
    }).catch(function () { return null; });
  }

  // the files shrunk (null: kept), one after another; those left once ``stale()`` are kept as they are
  function shrinkAll(files, limit, side, stale) {
    var shrunk = [];
    return files.reduce(function (chain, f) {
      return chain.then(function () { return stale() ? null : shrink(f, limit, side); })
        .then(function (g) { shrunk.push(g); });
    }, Promise.resolve()).then(function () { return shrunk; });
  }

  // --- the photos kept for a refused form ------------------------------------------------
  var DB = "minsheng-photos", STORE = "kept", MAX_AGE = 30 * 60 * 1000;
  var user = document.querySelector("script[data-user]");
  user = user ? user.getAttribute("data-user") : "";

  function withStore(mode, fn) {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var open = indexedDB.open(DB, 1);
      open.onupgradeneeded = function () { open.result.createObjectStore(STORE); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result, t = db.transaction(STORE, mode), req = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(req && req.result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      };
    });
  }
  function keyOf(input) { return user + ":" + location.pathname + ":" + input.name; }
  function forget(input) {
    return withStore("readwrite", function (s) { return s.delete(keyOf(input)); }).catch(function () {});
  }
  function keep(input) {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return forget(input);
    return withStore("readwrite", function (s) { return s.put({ at: Date.now(), files: files }, keyOf(input)); })
      .catch(function () {});
  }
  // what no one may get back is not left on the phone: another user's photos (signed out without
  // 退出, on a shared phone) and those past their 30 minutes go as any page with a photo box opens
  function sweep() {
    return withStore("readwrite", function (s) {
      var cursor = s.openCursor();
      cursor.onsuccess = function () {
        var c = cursor.result;
        if (!c) return;
        if (String(c.key).indexOf(user + ":") !== 0 || !c.value || !(Date.now() - c.value.at <= MAX_AGE)) c["delete"]();
        c["continue"]();
      };
    }).catch(function () {});
  }
  function restore(input, lost) {
    return withStore("readonly", function (s) { return s.get(keyOf(input)); }).then(function (kept) {
      if (!kept || !kept.files || !kept.files.length || Date.now() - kept.at > MAX_AGE) return;
      if (input.files && input.files.length) return;  // chosen again meanwhile
      var box = new DataTransfer();
      kept.files.forEach(function (f) { box.items.add(f); });
      input.files = box.files;
      named(input);
      lost.className = "helptext";
      lost.textContent = "已保留您选择的 " + kept.files.length + " 张照片, 提交时一并发送。";
      document.querySelectorAll("[data-photos-lost-summary]").forEach(function (e) { e.remove(); });
    }).catch(function () {});
  }

  function watch(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    var side = parseInt(input.getAttribute("data-max-side"), 10) || 2560;
    if (!limit) return;
    var note = document.createElement("p");
    note.className = "helptext";
    note.id = input.id ? input.id + "_shrunk" : "";
    note.setAttribute("role", "status");  // there before it speaks: a live region added with its text is not read
    var helptext = (input.id && document.getElementById(input.id + "_helptext")) || input.parentNode.querySelector(".helptext");
    (helptext || input).insertAdjacentElement("afterend", note);
    var pending = null;
    var lost = document.querySelector("[data-photos-lost='" + input.name + "']");
    sweep().then(function () { return lost ? restore(input, lost) : forget(input); });

    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      note.textContent = "";
      if (!files.length) { forget(input); return; }
      note.textContent = "正在处理照片…";
      var done = pending = shrinkAll(files, limit, side, function () { return done !== pending; })
        .then(function (shrunk) {
          if (done !== pending) return;  // another choice came meanwhile
          pending = null;
          var said = [];
          var box = new DataTransfer();
          files.forEach(function (f, i) {
            var g = shrunk[i];
            if (g) said.push(g.name + " " + size(f.size) + " → " + size(g.size));
            box.items.add(g || f);
          });
          if (said.length) { input.files = box.files; named(input); }
          note.textContent = said.length ? "照片已压缩: " + said.join("; ") : "";
          keep(input);
        }, function () { pending = null; note.textContent = ""; });
    });

    // 提交 pressed while the photos are shrunk: sent once they are ready
    if (input.form) input.form.addEventListener("submit", function (event) {
      if (!pending) return;
      event.preventDefault();
      var submitter = event.submitter;
      pending.then(function () {
        if (input.form.requestSubmit) input.form.requestSubmit(submitter || undefined);
        else input.form.submit();
      });
    });
  }

  if (!window.DataTransfer || !window.HTMLCanvasElement || !HTMLCanvasElement.prototype.toBlob) return;
  try { new DataTransfer(); } catch (e) { return; }  // Safari before 14.1: no constructor
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(watch);
})();
