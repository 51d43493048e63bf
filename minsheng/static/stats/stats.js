/* Charts of the statistics pages. Data comes from the #stats-data JSON script. */
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  // a phone: no words under 14px (docs/decisions.md), ECharts' own default being 12px; the
  // hotspot page's trend uses the same theme
  var phone = window.matchMedia("(max-width: 640px)").matches;
  var words = phone ? { fontSize: 14 } : {};
  var axis = { axisLabel: words, nameTextStyle: words };
  echarts.registerTheme("minsheng", {
    textStyle: words, legend: { textStyle: words }, tooltip: { textStyle: words },
    categoryAxis: axis, valueAxis: axis, visualMap: { textStyle: words }, pie: { label: words }, map: { label: words }
  });
  var dataTag = document.getElementById("stats-data");
  if (!dataTag) return;
  var data = JSON.parse(dataTag.textContent);
  var charts = [];
  // a phone: slice and region names would overlap, so they go to a legend or the tooltip
  var narrow = window.matchMedia("(max-width: 560px)").matches;

  function init(el) {
    var chart = echarts.init(el, "minsheng", { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function trend(el) {
    var m = data.months;
    if (!m || !m.labels.length) { el.textContent = "暂无数据"; return; }
    init(el).setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["受理", "已答复", "答复率%", "满意率%"], type: narrow ? "scroll" : "plain" },
      grid: narrow ? { left: 40, right: 36, top: 56, bottom: 32 } : { left: 48, right: 48, bottom: 32 },
      xAxis: { type: "category", data: m.labels },
      // whole messages: a county's few a month were ticked 0.5, 1, 1.5 件
      yAxis: [{ type: "value", name: "件", minInterval: 1 }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [
        { name: "受理", type: "bar", data: m.received },
        { name: "已答复", type: "bar", data: m.replied },
        { name: "答复率%", type: "line", yAxisIndex: 1, data: m.reply_rate },
        { name: "满意率%", type: "line", yAxisIndex: 1, data: m.satisfaction_rate }
      ]
    });
  }

  function pie(el, rows) {
    if (!rows || !rows.length) { el.textContent = "暂无数据"; return; }
    var option = {
      tooltip: { trigger: "item", formatter: function (p) {  // a template's {b} is markup: a topic's name as text
        return echarts.format.encodeHTML(p.name) + ": " + p.value + " 件 (" + p.percent + "%)"; } },
      series: [{ type: "pie", radius: ["35%", "70%"], data: rows }]
    };
    if (narrow) {
      option.legend = { type: "scroll", bottom: 0 };
      option.series[0].radius = ["28%", "55%"];
      option.series[0].center = ["50%", "44%"];
      option.series[0].label = { show: false };
    }
    init(el).setOption(option);
  }

  function map(el) {
    var rows = (data.regions || []).filter(function (r) { return r.code; });
    fetch(el.getAttribute("data-map-url")).then(function (r) {
      if (!r.ok) throw new Error("map");
      return r.json();
    }).then(function (geo) {
      var byCode = {};
      rows.forEach(function (r) { byCode[r.code] = r; });
      geo.features.forEach(function (f) {
        f.properties = f.properties || {};
        f.properties.code = String(f.properties.code || f.id || "");
      });
      var matched = geo.features.filter(function (f) { return byCode[f.properties.code]; });
      if (!matched.length) { el.parentNode.style.display = "none"; return; }
      echarts.registerMap("minsheng-regions", { type: "FeatureCollection", features: matched });
      var max = Math.max.apply(null, rows.map(function (r) { return r.received; }).concat([1]));
      init(el).setOption({
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var r = byCode[p.name];
            if (!r) return "";
            // the server's words for it, as the table beneath rounds it (toFixed rounded the float)
            var rate = r.reply_rate_text || "—";
            // names are the directory's (an operator's import): read as text, never as markup
            return echarts.format.encodeHTML(r.name) + "<br>受理 " + r.received + " 件<br>答复率 " + rate;
          }
        },
        visualMap: { min: 0, max: max, left: "left", bottom: 0, text: ["多", "少"], calculable: true,
                     inRange: { color: ["#fde0dc", "#c0392b"] } },
        series: [{
          type: "map", map: "minsheng-regions", nameProperty: "code", roam: false,
          label: { show: !narrow, fontSize: phone ? 14 : 10, formatter: function (p) { return byCode[p.name] ? byCode[p.name].name : ""; } },
          // small neighbours (嘉峪关市 inside 酒泉市, 临夏州 beside 定西市) printed their names over
          // each other; the one drawn later is dropped and stays in the tooltip
          labelLayout: { hideOverlap: true },
          data: rows.map(function (r) { return { name: r.code, value: r.received }; })
        }]
      });
      charts[charts.length - 1].on("click", function (p) {
        if (!byCode[p.name]) return;
        var params = new URLSearchParams(window.location.search);
        params.set("region", p.name);
        window.location.search = params.toString();
      });
    }).catch(function () { el.textContent = "地图文件不可用"; });
  }

  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    if (kind === "trend") trend(el);
    else if (kind === "topics") pie(el, data.topics);
    else if (kind === "kinds") pie(el, data.kinds);
    else if (kind === "map") map(el);
  });
  // a long table (every unit of a campaign) shows its first rows and a button for the rest;
  // printed, or without JavaScript, it is whole
  document.querySelectorAll("table[data-limit]").forEach(function (table) {
    var limit = parseInt(table.getAttribute("data-limit"), 10);
    var rows = table.tBodies[0] ? table.tBodies[0].rows : [];
    if (rows.length <= limit + 2) return;
    for (var i = limit; i < rows.length; i++) rows[i].classList.add("extra");
    table.classList.add("collapsed");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-all no-print";
    button.textContent = "显示全部 " + rows.length + " 行";
    button.addEventListener("click", function () { table.classList.remove("collapsed"); button.remove(); });
    table.parentNode.insertAdjacentElement("afterend", button);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
