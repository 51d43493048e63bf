/* /api/docs/ in Chinese: Swagger UI has no translations of its own, so its fixed controls
   (Try it out, Execute, Server response …) are put in Chinese here as it renders and re-renders
   them (a MutationObserver on #swagger-ui). Only a text node, a button's value, a placeholder,
   an aria-label or a title that is exactly a word of WORDS is replaced (spaces around it kept),
   and never inside the API's own text (CONTENT: descriptions, names, examples, enum values,
   responses): a field whose example is "Execute" stays "Execute". A word Swagger UI adds in a
   later version stays English until it is added to WORDS. The words its stylesheet writes
   (「必填」 after a required parameter, the loading sign) are in css/swagger-zh.css. */
(function () {
  "use strict";
  var WORDS = {
    // operations
    "Try it out": "试一试", "Cancel": "取消", "Execute": "执行", "Clear": "清除", "Reset": "重置",
    "Parameters": "参数", "No parameters": "无参数", "Request body": "请求体", "Responses": "响应",
    "Callbacks": "回调", "No callbacks": "无回调", "Name": "名称", "Description": "说明", "Type": "类型",
    "Value": "值", "Code": "状态码", "Details": "详情", "Links": "链接", "No links": "无链接",
    "Undocumented": "未写明", "Headers:": "响应头:", "Example Value": "示例值", "Edit Value": "编辑值",
    "Schema": "结构", "Examples": "示例", "Example Description": "示例说明", "Media type": "媒体类型",
    "Media Type": "媒体类型", "Controls": "决定", "header.": "请求头。", "Available values": "可选值",
    "Default value": "默认值", "Send empty value": "发送空值", "Required": "必填", "required": "必填",
    "Parameter content type": "参数内容类型", "Request content type": "请求内容类型",
    "Response content type": "响应内容类型", "Collapse operation": "收起接口", "Expand operation": "展开接口",
    "Copy path to clipboard": "复制路径",
    // the answer to 执行
    "Server response": "服务器响应", "Response body": "响应体", "Response headers": "响应头", "Curl": "curl 命令",
    "Request URL": "请求地址", "Request duration": "请求耗时", "Download": "下载", "Download file": "下载文件",
    "Copy code to clipboard": "复制代码", "Copy cURL command to clipboard": "复制 curl 命令",
    "Copy request snippet to clipboard": "复制请求代码", "Snippets": "代码片段",
    // the page
    "Loading...": "加载中…", "Servers": "服务器", "Server variables": "服务器变量", "Filter by tag": "按标签筛选",
    "Schemas": "数据结构", "Expand all": "全部展开", "Collapse all": "全部收起", "Terms of service": "服务条款",
    "Find more details": "更多说明", "Errors": "错误", "Hide": "隐藏", "Show": "显示",
    "Failed to load API definition.": "无法加载 API 文档。", "No API definition provided.": "未提供 API 文档。",
    // 授权 (Authorize)
    "Authorize": "授权", "Logout": "退出授权", "Close": "关闭", "Available authorizations": "可用的授权方式",
    "Authorized": "已授权", "Name:": "名称:", "In:": "位置:", "Value:": "值:", "Username:": "用户名:",
    "Password:": "密码:", "Scopes:": "权限范围:", "Apply credentials": "授权", "Remove authorization": "退出授权",
    "authorization button locked": "授权 (已授权)", "authorization button unlocked": "授权 (未授权)"
  };
  // the API's own text, shown as written whatever it says
  var CONTENT = [
    ".info .title", ".markdown", ".renderedMarkdown", "pre", "code", "textarea", "option",
    ".opblock-tag a.nostyle", ".opblock-summary-method", ".opblock-summary-path", ".opblock-summary-description",
    "td.parameters-col_name", "td.response-col_status:not(.col_header)", "td.header-col", ".model-box",
    ".model-container", ".json-schema-2020-12", ".headerline", ".response-col_links .operation-link",
    // a parameter's input: its placeholder is the parameter's name (a "Name" one was 「名称」 until 2026-12-05)
    ".parameters-col_description input"
  ].join(", ");
  // but for Swagger UI's own labels written into the API's text (「可选值 : a, b」)
  var LABELS = ".parameter__enum p > i:first-child, .parameter__default p > i:first-child";
  var ATTRIBUTES = ["placeholder", "aria-label", "title"];
  var has = Object.prototype.hasOwnProperty;

  function translated(text) {
    var word = text.trim();
    return word && has.call(WORDS, word) ? text.replace(word, WORDS[word]) : null;
  }

  function isContent(element) {
    return !element || (!element.matches(LABELS) && Boolean(element.closest(CONTENT)));
  }

  function translateText(node) {
    var text = translated(node.nodeValue);
    if (text !== null && !isContent(node.parentElement)) node.nodeValue = text;
  }

  function translateAttributes(element) {
    if (isContent(element)) return;
    ATTRIBUTES.forEach(function (name) {
      var value = element.getAttribute(name), text = value && translated(value);
      if (text) element.setAttribute(name, text);
    });
    if (element.tagName === "INPUT" && /^(button|submit|reset)$/.test(element.type)) {
      var label = translated(element.value);
      if (label) element.value = label;
    }
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) return translateText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    translateAttributes(root);
    root.querySelectorAll("[placeholder], [aria-label], [title], input").forEach(translateAttributes);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), node;
    while ((node = walker.nextNode())) translateText(node);
  }

  var ui = document.getElementById("swagger-ui");
  if (!ui) return;
  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      if (mutation.type === "childList") mutation.addedNodes.forEach(translateTree);
      else if (mutation.type === "characterData") translateText(mutation.target);
      else translateAttributes(mutation.target);
    });
  }).observe(ui, {childList: true, subtree: true, characterData: true,
                  attributes: true, attributeFilter: ATTRIBUTES.concat("value")});
  translateTree(ui);
})();
