/* A form that is sending cannot be sent again: a double click on 提交/派单/答复 posts once
   (the second post would meet 「刚刚被其他人处理过」 or count a second sign-in failure).
   htmx and scripts that handle a submit themselves (preventDefault) are left alone; the
   buttons come back when the page is shown again from the back/forward cache.
   A refused form's error summary takes the focus when the page opens, and an htmx box
   says when its request failed. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-forget-drafts")) forgetDrafts();
    if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
    setTimeout(function () {  // after the form data (with the clicked button's value) is taken
      if (event.defaultPrevented) return;
      form.querySelectorAll("button:not([type=button]), input[type=submit]").forEach(function (b) {
        if (!b.disabled) { b.disabled = true; b.setAttribute("data-sending", ""); }
      });
    }, 0);
  });
  // 退出: the post form's drafts kept in this tab (board/post.html) go with the citizen, so
  // the next one to sign in on a shared computer does not find their name and phone there
  function forgetDrafts() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var key = sessionStorage.key(i);
        if (key && key.indexOf("minsheng:post-draft") === 0) sessionStorage.removeItem(key);
      }
    } catch (e) { /* storage off */ }
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
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-sending]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("data-sending");
    });
  });
})();
