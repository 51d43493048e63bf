"""Routing as data: (region, topic) → lead unit and assisting units from the
responsibility table. The nearest region with rows for the topic (or, failing that,
for its parent topic) wins, so a county's own rows override its prefecture's."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Region, Responsibility, Topic, Unit


@dataclass
class Route:
    lead: Unit | None
    assists: list[Unit] = field(default_factory=list)
    reason: str = ""  # issue 3's form, read by integrators (the API): 城乡建设 in 兰州市 → 兰州市住房和城乡建设局
    # the same for the dispatcher's form, without the English 「in」 on a Chinese page
    # (权责清单: 兰州市 · 城乡建设 → 兰州市住房和城乡建设局); the reason itself when it has no English
    shown: str = ""

    def __post_init__(self):
        self.shown = self.shown or self.reason


def route(region: Region | None, topic: Topic | None, rows: list[Responsibility] | None = None) -> Route:
    """``rows``: the table's active rows already read for several messages at once (``rows_for``),
    any superset of this region's and topic's; read here when None."""
    if region is None or topic is None:
        missing = "区划和领域" if region is None and topic is None else "区划" if region is None else "领域"
        return Route(None, [], f"缺少{missing}, 需人工派单")
    regions = region.ancestors()
    topics = topic.lineage()
    if rows is None:
        rows = rows_for(regions, topics)
    for r in regions:
        for t in topics:
            here = [row for row in rows if row.region_id == r.id and row.topic_id == t.id]
            lead = next((row.unit for row in here if row.role == Responsibility.Role.LEAD), None)
            if lead:
                assists = [row.unit for row in here if row.role == Responsibility.Role.ASSIST]
                asked = t.name if t.pk == topic.pk else f"{topic.name} (属{t.name})"  # the row of a parent topic
                return Route(lead, assists, f"{asked} in {r.name} → {lead.name}",
                             shown=f"权责清单: {r.name} · {asked} → {lead.name}")
    return Route(None, [], f"权责清单中没有 {region.name} · {topic.name} 的主办单位, 需人工派单")


def rows_for(regions, topics) -> list[Responsibility]:
    """The active rows of the table for any of ``regions`` and ``topics``, in one query (``route``
    takes those of each region's ancestors and each topic's lineage)."""
    return list(Responsibility.objects.filter(region__in=regions, topic__in=topics, unit__is_active=True)
                .select_related("unit", "region", "topic"))
