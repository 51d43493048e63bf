/* A form that is sending cannot be sent again: a double click on 提交/派单/答复 posts once
   (the second post would meet 「刚刚被其他人处理过」 or count a second sign-in failure).
   htmx and scripts that handle a submit themselves (preventDefault) are left alone; the
   buttons come back when the page is shown again from the back/forward cache.
   A refused form's error summary takes the focus when the page opens, and an htmx box
   says when its request failed. A form marked data-draft-key keeps what is typed in it
   as a draft in the tab (below). */
(function () {
  "use strict";
  var USER = (document.currentScript && document.currentScript.getAttribute("data-user")) || "";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-forget-drafts")) forgetDrafts();
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    setTimeout(function () {  // after the form data (with the clicked button's value) is taken
      if (event.defaultPrevented) return;
      // form.elements: with the buttons outside the form that name it (form="…"): the 我也遇到 of the
      // post form's 已有相似留言 belong to #similar-support, and a double tap said 已记录 and 您已经点过
      Array.prototype.forEach.call(form.elements, function (b) {
        var submits = b.tagName === "BUTTON" ? b.type !== "button" : b.tagName === "INPUT" && b.type === "submit";
        if (submits && !b.disabled) { b.disabled = true; b.setAttribute("data-sending", ""); }
      });
      // the button pressed says the form is on its way (looking pressed, minsheng.css): on a slow
      // network, disabled and unchanged, it seemed dead, and 提交留言 was pressed again or the page left
      var pressed = event.submitter;
      if (pressed && pressed.tagName === "BUTTON" && pressed.hasAttribute("data-sending")
          && !pressed.children.length) {
        pressed.setAttribute("data-label", pressed.textContent);
        pressed.textContent = "正在提交…";
      }
      sending(form);
    }, 0);
  });

  /* Drafts. A form marked data-draft-key="NAME" (data-draft-fields: the fields kept) keeps
     what is typed in it in the tab's sessionStorage, under minsheng:draft:<user>:NAME (the user
     is the data-user of this script's tag: each one's drafts are their own on a shared tab).
     Back on the page with the fields empty, the draft comes back, with the form's
     [data-draft-note] shown and its [data-draft-clear] button (清除); a form the server sent
     back with its text (refused, or stale) keeps that text as the draft. A draft is dropped
     only when the server took it: the form posted marks its draft as sending, and the next
     page drops it when it says so (a flash marked draft-sent: 答复已公开发布, 留言已提交).
     A post that met the login page (the session ran out), a refusal or a lost connection
     keeps it, so the officer who signs in again finds the reply on the case page.
     退出 (data-forget-drafts) drops every draft of the tab; so does a page marked
     data-forget-drafts when it opens (「账号已注销」: closing the account signed the tab out). */
  var DRAFT = "minsheng:draft:", SENDING = "minsheng:draft-sending";
  var store = null;
  try { store = window.sessionStorage; store.getItem(SENDING); } catch (e) { store = null; }  // storage off

  function storedKeys() {
    var keys = [];
    for (var i = 0; i < store.length; i++) keys.push(store.key(i));
    return keys;
  }
  function forgetDrafts() {
    // the photos of the post form kept for a refusal (photos.js): the tab signs out, they go too
    try { if (window.indexedDB) indexedDB.deleteDatabase("minsheng-photos"); } catch (e) { /* private mode */ }
    if (!store) return;
    storedKeys().forEach(function (key) {
      // minsheng:post-draft:<user>: the post form's key until 2026-12-03
      if (key.indexOf("minsheng:draft") === 0 || key.indexOf("minsheng:post-draft:") === 0) store.removeItem(key);
    });
  }
  function draftKey(form) { return DRAFT + USER + ":" + form.getAttribute("data-draft-key"); }
  function sending(form) {
    if (!store) return;
    try {
      if (form.hasAttribute("data-draft-key")) store.setItem(SENDING, draftKey(form));
      else store.removeItem(SENDING);
    } catch (e) { /* full */ }
  }
  function readDraft(key) {
    try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { return null; }
  }
  function keepDrafts(form) {
    var key = draftKey(form), note = form.querySelector("[data-draft-note]");
    var names = (form.getAttribute("data-draft-fields") || "").split(/\s+/).filter(Boolean);
    // looked up at each use: a field htmx swaps (the post form's region and 留言对象) is a new element
    function fields() { return names.map(function (name) { return form.elements[name]; }).filter(Boolean); }
    // what the citizen typed; a choice kept beside it (a hidden field, a select) makes no draft alone
    function typed() {
      return fields().filter(function (f) { return f.tagName === "TEXTAREA" || (f.tagName === "INPUT" && f.type !== "hidden"); });
    }
    if (!typed().length) return;
    function save() {
      var draft = {}, any = false;
      fields().forEach(function (f) { draft[f.name] = f.value; });
      typed().forEach(function (f) { any = any || !!f.value.trim(); });
      try { if (any) store.setItem(key, JSON.stringify(draft)); else store.removeItem(key); } catch (e) { /* full */ }
    }
    form.addEventListener("input", save);
    if (typed().some(function (f) { return f.value.trim(); })) { save(); return; }  // sent back: its own text
    var draft = readDraft(key);
    if (!draft) return;
    fields().forEach(function (f) { if (typeof draft[f.name] === "string") f.value = draft[f.name]; });
    if (note) {
      note.hidden = false;
      var clear = note.querySelector("[data-draft-clear]");
      if (clear) clear.addEventListener("click", function () {
        typed().forEach(function (f) { f.value = ""; });
        store.removeItem(key);
        note.hidden = true;
        form.dispatchEvent(new CustomEvent("draftcleared", { bubbles: true }));
        typed()[0].focus();
      });
    }
    window.addEventListener("load", function () {  // htmx is ready (the post form's 「已有相似留言」 asks)
      // with the draft: the post form puts its region picker back as it was (post.html)
      form.dispatchEvent(new CustomEvent("draftrestored", { bubbles: true, detail: draft }));
    });
  }
  if (store) {
    // the post form's draft under its key until 2026-12-03 (a tab open over an upgrade)
    storedKeys().forEach(function (key) {
      var uid = key.match(/^minsheng:post-draft:(.*)$/);
      if (!uid) return;
      try {
        if (store.getItem(DRAFT + uid[1] + ":post") === null) store.setItem(DRAFT + uid[1] + ":post", store.getItem(key));
      } catch (e) { /* full */ }
      store.removeItem(key);
    });
    var sent = store.getItem(SENDING);
    store.removeItem(SENDING);  // this page is the answer to that post, whatever it says
    if (sent && document.querySelector(".flash .draft-sent")) store.removeItem(sent);
    if (document.querySelector("[data-forget-drafts]:not(form)")) forgetDrafts();
    document.querySelectorAll("form[data-draft-key]").forEach(keepDrafts);
  }

  // A refused form: the summary of what to correct takes the focus, so a screen reader
  // reads it and the keyboard starts from it (its links lead to the fields). Again on load:
  // a page posted from /post/#main (after 跳到正文) scrolls to #main and focuses it then.
  function focusSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    var at = document.activeElement;
    if (summary && (!at || at === document.body || at.tagName === "MAIN" || at.autofocus)) summary.focus();
  }
  focusSummary();
  window.addEventListener("load", focusSummary);
  // An htmx box marked data-htmx-fail (the reply's 预览) says when its request failed: htmx
  // swaps nothing on an error status or a lost connection, and the button seemed to do nothing.
  // A 403 is a form whose token expired (a login in another tab renews it): the page must be
  // reloaded, and the draft copied first.
  function htmxFailed(event) {
    var box = event.detail && event.detail.target;
    var what = box && box.getAttribute("data-htmx-fail");
    if (!what) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var text = event.type === "htmx:sendError" ? "网络连接失败, " + what + ": 请检查网络后重试; 您写的内容仍在本页"
      : status === 403 ? "页面已过期, " + what + ": 请先复制您写的内容, 再刷新本页"
      : "服务器暂时出错 (" + status + "), " + what + ": 请稍后重试; 您写的内容仍在本页";
    var p = document.createElement("p");
    p.className = "staff-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.replaceChildren(p);
  }
  document.addEventListener("htmx:responseError", htmxFailed);
  document.addEventListener("htmx:sendError", htmxFailed);
  /* A text box with a limit (留言内容 3000, 重办理由 300, 评价内容 500) says how much is left: the
     browser cut a paste past the limit without a word, and the end of a long letter, often
     what is asked for, was lost. At the limit a status line says so (read out once).
     The limit (data-max-chars) is in characters as the server counts them (code points, a line
     break one): the browser's maxlength counts UTF-16 units, an emoji as two, and stopped a
     letter with emoji short of it. Here the box drops maxlength (twice the limit, for a page
     without scripts) and cuts what goes past the limit itself, never within an emoji. */
  function chars(text) { return Array.from(text).length; }
  // a box with data-max-chars (a textarea, or a one-line input: 标题, 昵称, a token's 名称, the
  // search boxes; no counter under those) takes that many characters
  function limited(box) {
    var max = parseInt(box.getAttribute("data-max-chars"), 10);
    box.removeAttribute("maxlength");
    // what went past the limit is cut where it came in (the text just before the caret), as
    // maxlength keeps the start of a paste: the end of a letter typed earlier stays whole
    function cut(event) {
      if (event.isComposing) return;  // a word still being composed (拼音) is cut once it is chosen
      // a deletion takes nothing in: a text already past the limit (a draft restored, a letter the
      // server sent back) is shortened by the writer, not cut before the caret at each keystroke
      if (/^delete/.test(event.inputType || "")) return;
      var value = box.value;
      var over = chars(value) - max;
      if (over <= 0) return;
      var at = box.selectionEnd;
      var before = Array.from(value.slice(0, at));
      var after = value.slice(at);
      if (before.length < over) {  // the caret at the start: the end goes
        after = Array.from(after).slice(0, max - before.length).join("");
        over = 0;
      }
      var kept = before.slice(0, before.length - over).join("");
      box.value = kept + after;
      box.setSelectionRange(kept.length, kept.length);
      // a word chosen (拼音) is cut after its last input event: the draft and the counter are told
      if (event.type === "compositionend") box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    box.addEventListener("input", cut);
    box.addEventListener("compositionend", cut);
    return max;
  }
  function counted(area) {
    var max = limited(area);
    var note = document.createElement("div");
    note.className = "helptext counter";
    var full = document.createElement("p");
    full.className = "visually-hidden";
    full.setAttribute("role", "status");
    area.insertAdjacentElement("afterend", note);
    note.insertAdjacentElement("afterend", full);
    function update() {
      var n = chars(area.value);
      var left = max - n;
      note.textContent = left > 0 ? "已输入 " + n + " 字, 还可输入 " + left + " 字"
        : "已达 " + max + " 字上限, 超出的部分未能输入, 请检查结尾是否完整";
      note.classList.toggle("full", left <= 0);
      var said = left > 0 ? "" : note.textContent;
      if (full.textContent !== said) full.textContent = said;
    }
    area.addEventListener("input", update);  // after limited's cut: the count of what stayed
    area.addEventListener("compositionend", update);
    ["draftrestored", "draftcleared"].forEach(function (name) { document.addEventListener(name, update); });
    update();
  }
  document.querySelectorAll("textarea[data-max-chars]").forEach(counted);
  document.querySelectorAll("input[data-max-chars]").forEach(limited);
  // 查找单位 (case page): its box asks the server through htmx, so it shows only with scripts; also in
  // the 派单 form htmx brings back whole when a 领域 is chosen (staff.dispatch_suggest)
  function showSearch(root) {
    root.querySelectorAll("[data-unit-search]").forEach(function (p) { p.hidden = false; });
  }
  showSearch(document);
  document.addEventListener("htmx:load", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.querySelectorAll) showSearch(elt);
  });
  // 全选本页 (the inbox's 签收所选 / 指派所选): ticks or unticks every row's box of its form on the page (the
  // boxes sit in the rows, form="<id>"); half ticked when some are. Without scripts it stays hidden.
  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    var formId = all.getAttribute("data-check-all");
    function boxes() {
      return Array.prototype.slice.call(document.querySelectorAll('input[type=checkbox][name=case][form="' + formId + '"]'));
    }
    if (!boxes().length) return;
    all.closest("label").hidden = false;
    function follow() {
      var ticked = boxes().filter(function (b) { return b.checked; }).length;
      all.checked = ticked === boxes().length;
      all.indeterminate = ticked > 0 && !all.checked;
    }
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
    });
    document.addEventListener("change", function (event) {
      if (event.target !== all && event.target.name === "case" && event.target.getAttribute("form") === formId) follow();
    });
    window.addEventListener("pageshow", follow);  // back to the page: the browser restored the rows' ticks
  });
  // 引用此答复 (case page, 相似的已答复留言): the answer goes into the reply box, after what is typed there,
  // and the box takes the focus; the input event keeps it as the draft
  document.querySelectorAll("[data-quote-into]").forEach(function (b) { b.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-quote-into]");
    if (!button) return;
    var box = document.querySelector(button.getAttribute("data-quote-into"));
    if (!box) return;
    var quote = button.getAttribute("data-quote");
    box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + quote : quote;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  });
  window.addEventListener("pageshow", function (event) {
    // a filter page shown again from the back/forward cache comes back as it was left, a filter chosen
    // but not applied among it: each box put back to what the list shown is filtered by (autocomplete=off
    // stops the browser refilling them on a reload, not this)
    if (event.persisted) {
      document.querySelectorAll("form[method=get][autocomplete=off]").forEach(function (f) { f.reset(); });
    }
    document.querySelectorAll("[data-sending]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("data-sending");
      if (b.hasAttribute("data-label")) { b.textContent = b.getAttribute("data-label"); b.removeAttribute("data-label"); }
    });
  });
})();
