/* Charts of the statistics pages. Data comes from the #stats-data JSON script. */
(function () {
  "use strict";
  var dataTag = document.getElementById("stats-data");
  if (!dataTag || typeof echarts === "undefined") return;
  var data = JSON.parse(dataTag.textContent);
  var charts = [];

  function init(el) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function trend(el) {
    var m = data.months;
    if (!m || !m.labels.length) { el.textContent = "暂无数据"; return; }
    init(el).setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["受理", "已答复", "答复率%", "满意率%"] },
      grid: { left: 48, right: 48, bottom: 32 },
      xAxis: { type: "category", data: m.labels },
      yAxis: [{ type: "value", name: "件" }, { type: "value", name: "%", min: 0, max: 100 }],
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
    init(el).setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c} 件 ({d}%)" },
      series: [{ type: "pie", radius: ["35%", "70%"], data: rows }]
    });
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
            var rate = r.reply_rate === null ? "—" : (r.reply_rate * 100).toFixed(1) + "%";
            return r.name + "<br>受理 " + r.received + " 件<br>答复率 " + rate;
          }
        },
        visualMap: { min: 0, max: max, left: "left", bottom: 0, text: ["多", "少"], calculable: true,
                     inRange: { color: ["#fde0dc", "#c0392b"] } },
        series: [{
          type: "map", map: "minsheng-regions", nameProperty: "code", roam: false,
          label: { show: true, fontSize: 10, formatter: function (p) { return byCode[p.name] ? byCode[p.name].name : ""; } },
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
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
