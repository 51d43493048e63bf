"""The statistics charts as drawn in the system Chromium: the region map names its regions
without printing one name over another."""

from __future__ import annotations

import pytest

from minsheng.board import actions
from minsheng.directory.models import Region, Topic

from .conftest import make_user
from .test_browser import CHROMIUM, browser  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

# the labels ECharts drew on the map (zrender's text pieces), as rectangles on the page
MAP_LABELS = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('[data-chart=map]'));
  return chart.getZr().storage.getDisplayList(true)
    .filter(e => (e.type === 'tspan' || e.type === 'text') && !e.ignore && !e.invisible && e.style && e.style.text)
    .map(e => { const r = e.getBoundingRect().clone(); r.applyTransform(e.getComputedTransform());
                return {text: String(e.style.text), x: r.x, y: r.y, w: r.width, h: r.height}; });
}"""


def overlapping(labels) -> list[str]:
    return [f"{a['text']}/{b['text']}" for i, a in enumerate(labels) for b in labels[i + 1:]
            if a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]]


@pytest.mark.django_db(transaction=True)
def test_the_region_map_prints_no_name_over_another(browser, live_server, personas, directory):  # noqa: F811
    """嘉峪关市 lies inside 酒泉市 on the bundled map: with a message in each, both names were
    printed at the same spot as an unreadable smudge (and 临夏州 over 定西市 likewise)."""
    gs = directory["province"]
    places = [directory["lanzhou"], directory["dingxi"],
              Region.objects.create(code="620200", name="嘉峪关市", level=2, parent=gs),
              Region.objects.create(code="620900", name="酒泉市", level=2, parent=gs),
              Region.objects.create(code="622900", name="临夏回族自治州", level=2, parent=gs)]
    dispatcher = make_user("gs_dispatcher", role="dispatcher", region=gs, display_name="省派单员")
    for region in places:
        message = actions.do_submit(personas["citizen"], title=f"{region.name}小区门口路灯坏了",
                                    body="小区门口的路灯坏了两个星期, 晚上出门很不方便, 请尽快修好。",
                                    kind="help", region=region)
        actions.do_accept(dispatcher, message)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    assert page.goto(f"{live_server.url}/stats/?region={gs.code}").status == 200
    page.wait_for_function("""() => { const el = document.querySelector('[data-chart=map]');
        const c = el && window.echarts && echarts.getInstanceByDom(el);
        return c && c.getZr().storage.getDisplayList(true).some(e => e.type === 'tspan'); }""")
    labels = page.evaluate(MAP_LABELS)
    assert "兰州市" in {label["text"] for label in labels}
    assert not overlapping(labels), overlapping(labels)
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_trend_counts_messages_in_whole_numbers(browser, live_server, personas, directory):  # noqa: F811
    """A region (or a campaign) with a few messages a month had its 件 axis ticked 0.5, 1, 1.5:
    half a message."""
    for title in ("城关区某小区门口路灯坏了", "城关区某路口红绿灯坏了"):
        message = actions.do_submit(personas["citizen"], title=title, kind="help", region=directory["chengguan"],
                                    body="路口的灯坏了两个星期, 晚上出门很不方便, 请尽快修好。")
        actions.do_accept(personas["dispatcher"], message)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    assert page.goto(f"{live_server.url}/stats/?region={directory['chengguan'].code}").status == 200
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.querySelector('[data-chart=trend]'))")
    ticks = page.evaluate("""() => echarts.getInstanceByDom(document.querySelector('[data-chart=trend]'))
        .getModel().getComponent('yAxis', 0).axis.scale.getTicks().map(t => t.value)""")
    assert max(ticks) >= 2 and all(t == int(t) for t in ticks), ticks
    page.close()


# every piece of text ECharts drew, with its size in px (zrender keeps it in the style's font)
CHART_WORDS = """() => [...document.querySelectorAll('[data-chart], #trend')]
  .map(el => echarts.getInstanceByDom(el)).filter(Boolean)
  .flatMap(c => c.getZr().storage.getDisplayList(true))
  .filter(e => (e.type === 'tspan' || e.type === 'text') && !e.ignore && !e.invisible && e.style && e.style.text)
  .map(e => ({text: String(e.style.text),
              px: parseFloat((/([\\d.]+)px/.exec(e.style.font || '') || [])[1] || e.style.fontSize || 12)}))"""


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_charts_write_no_word_under_14px(browser, live_server, personas, directory):  # noqa: F811
    """Text on a phone is 14px at least (docs/decisions.md), but the charts' axis labels, legend
    and axis names were ECharts' own 12px: the months under the trend, the 件 and % axes, the
    hotspot page's dates."""
    from minsheng.insight import hotspots_service
    from minsheng.insight.models import Hotspot

    from .test_hotspot_pages import LIFT, citizens, post

    hotspots_service.reset_index()
    messages = [post(person, title, body, directory["chengguan"], personas["dispatcher"])
                for person, (title, body) in zip(citizens(len(LIFT)), LIFT, strict=True)]
    for message in messages:
        hotspots_service.place_message(message)
    hotspot = Hotspot.objects.get(members__message=messages[0])
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    for url in (f"/stats/?region={directory['chengguan'].code}", f"/hotspots/{hotspot.pk}/"):
        assert page.goto(f"{live_server.url}{url}").status == 200
        page.wait_for_function("""() => [...document.querySelectorAll('[data-chart=trend], #trend')]
            .some(el => window.echarts && echarts.getInstanceByDom(el))""")
        words = page.evaluate(CHART_WORDS)
        assert words, url
        small = [w for w in words if w["px"] < 14]
        assert not small, (url, small[:8])
    page.close()


# the tooltip ECharts shows over the first piece of a chart: whether it holds an element made of a name, and its words
TOOLTIP = """kind => new Promise(done => {
  const el = document.querySelector(`[data-chart=${kind}]`);
  const chart = echarts.getInstanceByDom(el);
  const data = chart.getOption().series[0].data;
  chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: kind === 'map' ? data.findIndex(d => d.value) : 0});
  setTimeout(() => { const tips = [...el.querySelectorAll('div')].filter(d => d.style.position === 'absolute'
                                                                       && d.textContent.includes('件'));
    done(tips.map(t => ({img: !!t.querySelector('img'), text: t.textContent}))); }, 300);
})"""


@pytest.mark.django_db(transaction=True)
def test_the_charts_tooltips_print_names_as_text(browser, live_server, personas, directory):  # noqa: F811
    """Region and topic names are an operator's (admin, import-directory): the map's and the pie's tooltips put them
    into the page as markup until 2026-12-06 (security review), so a name such as <img onerror=…> ran script."""
    mark = "<img src=x onerror=1>"
    Region.objects.filter(pk=directory["lanzhou"].pk).update(name=mark + "兰州市")
    topic = Topic.objects.filter(parent__isnull=True).first()
    Topic.objects.filter(pk=topic.pk).update(name=mark + topic.name)
    message = actions.do_submit(personas["citizen"], title="小区门口路灯坏了", kind="help", region=directory["chengguan"],
                                body="小区门口的路灯坏了两个星期, 晚上出门很不方便, 请尽快修好。", topic=topic)
    actions.do_accept(personas["dispatcher"], message)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    assert page.goto(f"{live_server.url}/stats/?region={directory['province'].code}").status == 200
    page.wait_for_function("""() => ['map', 'topics'].every(k => { const el = document.querySelector(`[data-chart=${k}]`);
        return el && window.echarts && echarts.getInstanceByDom(el); })""")
    for kind, name in (("map", "兰州市"), ("topics", topic.name)):
        tips = page.evaluate(TOOLTIP, kind)
        assert tips and not any(tip["img"] for tip in tips), (kind, tips)
        assert any(tip["text"].startswith(mark + name) for tip in tips), (kind, tips)
    page.close()
