"""Demo messages: realistic histories over the past 12 months, created only through
``board.actions`` with historical timestamps, reproducibly from a seed.

Each message follows a *scenario* (a list of steps such as accept, dispatch, sign,
reply, evaluate). The gaps between steps are drawn first; the submission time is then
placed so that the scenario ends where it should (a case "awaiting rating" ends a
few days ago, a closed one anywhere in the year). The first messages play every
scenario once, so even a small run shows every status; the rest are drawn by weight.
Clusters of messages about the same concrete problem in the same place make hotspots
(short bursts) and chronic problems (老大难: months of repeats, poor answers).

Same seed, same directory and same day → the same messages (titles, bodies, states).
Never reads anything outside the project.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.signals import post_save, pre_delete
from django.test.utils import override_settings
from django.utils import timezone

from minsheng.directory.models import Addressee, Region, Topic, Unit
from minsheng.directory.routing import route
from minsheng.insight import lookup

from . import actions
from . import demo_text as text
from .demo_accounts import Cast
from .models import Event, Extension, Message, Notification, Rating, Support
from .workflow import Status

log = logging.getLogger(__name__)

M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
YEAR = 365 * D

# name -> (steps, slack after the last step as (min, max) hours or None for "anywhere in the year")
SCENARIOS: dict[str, tuple[list[str], tuple[float, float] | None]] = {
    "submitted": ([], (0, 20)),
    "accepted": (["accept"], (0, 10)),
    "dispatched": (["accept", "dispatch"], (0, 8)),
    "signed": (["accept", "dispatch", "sign"], (0, 48)),
    "overdue": (["accept", "dispatch", "sign"], (30 * 24, 70 * 24)),
    "overdue_supervised": (["accept", "dispatch", "sign", "supervise_late"], (12, 15 * 24)),
    "extension_pending": (["accept", "dispatch", "sign", "extension_pending"], (0, 48)),
    "extension_approved": (["accept", "dispatch", "sign", "extension_ok", "reply", "eval_sat"], None),
    "extension_refused": (["accept", "dispatch", "sign", "extension_no", "reply", "close_noeval"], None),
    "replied": (["accept", "dispatch", "sign", "reply"], (0, 5 * 24)),
    "evaluated": (["accept", "dispatch", "sign", "reply_poor", "eval_unsat"], (0, 5 * 24)),
    "closed_satisfied": (["accept", "dispatch", "sign", "reply", "eval_sat"], None),
    "closed_basic": (["accept", "dispatch", "sign", "reply", "eval_basic"], None),
    "closed_unsatisfied": (["accept", "dispatch", "sign", "reply_poor", "eval_unsat", "close_unsat"], None),
    "reopened_closed": (["accept", "dispatch", "sign", "reply_poor", "eval_unsat", "reopen", "sign", "reply",
                         "eval_basic"], None),
    "reopened_signed": (["accept", "dispatch", "sign", "reply_poor", "eval_unsat", "reopen", "sign"], (0, 48)),
    "closed_no_rating": (["accept", "dispatch", "sign", "reply", "close_noeval"], None),
    "transferred_closed": (["accept", "dispatch_wrong", "transfer", "sign", "reply", "eval_sat"], None),
    "transferred_waiting": (["accept", "dispatch_wrong", "transfer"], (0, 10)),
    "returned_closed": (["accept", "dispatch_wrong", "return", "dispatch", "sign", "reply", "close_noeval"], None),
    "returned_waiting": (["accept", "dispatch_wrong", "return"], (0, 20)),
    "rejected": (["reject"], None),
    "withdrawn": (["withdraw"], None),
    "withdrawn_accepted": (["accept", "withdraw"], None),
    "late_reply": (["accept", "dispatch", "sign", "reply_late", "eval_unsat", "close_unsat"], None),
    "supervised_replied": (["accept", "dispatch", "sign", "supervise", "reply", "eval_basic"], None),
    "thanks": (["accept", "dispatch", "sign", "reply", "eval_sat"], None),
    "merged": (["accept", "merge"], None),
}
# Weights for the messages after the showcase (which plays every scenario once).
WEIGHTS = {
    "closed_satisfied": 30, "closed_basic": 10, "closed_no_rating": 12, "closed_unsatisfied": 5,
    "reopened_closed": 4, "extension_approved": 3, "extension_refused": 2, "transferred_closed": 4,
    "returned_closed": 2, "late_reply": 4, "supervised_replied": 2, "rejected": 4, "withdrawn": 1,
    "withdrawn_accepted": 1, "thanks": 4,
    # still open: these all end in the last weeks, so they are few (a month holds ~8% of the year)
    "replied": 2, "evaluated": 0.7, "signed": 2, "overdue": 1.5, "overdue_supervised": 1, "dispatched": 0.5,
    "accepted": 0.5, "submitted": 0.5, "extension_pending": 0.5, "transferred_waiting": 0.3,
    "returned_waiting": 0.3, "reopened_signed": 0.3,
}
# Citizens pick the type themselves and sometimes pick another than their text reads
# as; some titles do not show the type at all. Both keep the type model honest.
MISLABELLED = 0.08
NEUTRAL_TITLES = 0.25
KIND_WEIGHTS = {"c": ("complain", 35), "h": ("help", 25), "s": ("suggest", 20), "o": ("consult", 20)}
PREFECTURE_WEIGHTS = {"620100": 30, "620200": 2, "620300": 2, "620400": 5, "620500": 8, "620600": 5, "620700": 4,
                      "620800": 5, "620900": 4, "621000": 7, "621100": 7, "621200": 5, "622900": 5, "623000": 3,
                      "620000": 3}

# step -> gap before it, in hours (min, max)
GAPS = {
    "accept": (1, 30), "reject": (2, 30), "withdraw": (1, 20), "dispatch": (1, 24), "dispatch_wrong": (1, 24),
    "transfer": (2, 48), "return": (4, 48), "sign": (1, 28), "extension_pending": (72, 200),
    "extension_ok": (72, 200), "extension_no": (72, 200), "supervise": (48, 120), "supervise_late": (22 * 24, 30 * 24),
    "reply": (48, 240), "reply_poor": (24, 200), "reply_late": (25 * 24, 40 * 24), "eval_sat": (6, 120),
    "eval_basic": (6, 120), "eval_unsat": (6, 120), "reopen": (6, 120), "close_noeval": (7 * 24 + 1, 7 * 24 + 30),
    "close_unsat": (7 * 24 + 1, 7 * 24 + 20), "merge": (2, 48),
}


@dataclass
class Plan:
    """One message to create: what it says and the life it will have."""

    scenario: str
    problem: text.Problem
    kind: str  # the type the citizen picked
    region: Region
    place: str
    start: dt.datetime | None = None  # None: placed by the scenario's slack
    text_kind: str = ""  # the type the text is written as (citizens sometimes pick another)
    author: object = None
    cluster: int | None = None


@dataclass
class Summary:
    messages: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    clusters: int = 0


class Generator:
    def __init__(self, cast: Cast, seed: int, now: dt.datetime):
        self.cast = cast
        self.rng = random.Random(seed)
        # the heads' 指派承办人 draw from their own stream: the cases and their histories stay
        # those of the same seed without it
        self.assign_rng = random.Random(seed + 1)
        self.now = now
        self.topics = {t.code: t for t in Topic.objects.select_related("parent")}
        regions = list(Region.objects.select_related("parent__parent__parent").order_by("code"))
        self.regions = {r.code: r for r in regions}
        self.children: dict[str, list[Region]] = {}
        for r in regions:
            if r.parent_id:
                self.children.setdefault(r.parent.code, []).append(r)
        self.units = {u.id: u for u in Unit.objects.select_related("region")}
        self.addressees: dict[int, list[Addressee]] = {}
        for a in Addressee.objects.filter(is_active=True):
            self.addressees.setdefault(a.region_id, []).append(a)
        self.routes: dict[tuple[int, int], object] = {}
        self.places: dict[tuple[str, str], list[str]] = {}

    # --- choosing what a message is about -------------------------------------
    def pick_region(self) -> Region:
        codes = list(PREFECTURE_WEIGHTS)
        code = self.rng.choices(codes, weights=[PREFECTURE_WEIGHTS[c] for c in codes])[0]
        region = self.regions[code]
        counties = self.children.get(code, [])
        if region.level == 2 and counties and self.rng.random() < 0.65:
            region = self.rng.choice(counties)
            towns = self.children.get(region.code, [])
            if towns and self.rng.random() < 0.3:
                region = self.rng.choice(towns)
        return region

    def pick_kind(self, problem: text.Problem) -> str:
        options = [KIND_WEIGHTS[k] for k in problem.kinds]
        return self.rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]

    def place_for(self, problem: text.Problem, region: Region) -> str:
        key = (region.code, problem.place)
        if key not in self.places:
            self.places[key] = self._make_places(problem.place, region)
        return self.rng.choice(self.places[key])

    def _make_places(self, kind: str, region: Region) -> list[str]:
        rng = random.Random(f"{region.code}-{kind}")  # a region's places do not depend on the seed
        prefecture = region.code[:4] + "00"
        local = region.name if region.level >= 3 else ""
        streets = text.STREETS.get(prefecture, text.GENERIC_STREETS)
        if kind == "compound":
            return [f"{local}{rng.choice(text.COMPOUND_HEADS)}{rng.choice(text.COMPOUND_TAILS)}" for _ in range(6)]
        if kind == "street":
            return [f"{local}{s}" for s in rng.sample(streets, min(4, len(streets)))]
        if kind == "school":
            base = region.name if region.level <= 3 else region.parent.name
            return [base + rng.choice(text.SCHOOL_KINDS).format(n=rng.randint(1, 12)) for _ in range(4)]
        if kind == "village":
            county = region if region.level >= 3 else rng.choice(self.children.get(region.code, [region]))
            return [f"{county.name}{v}村" for v in rng.sample(text.VILLAGES, 5)]
        if kind == "market":
            return [f"{local}{s}农贸市场" for s in rng.sample(streets, min(3, len(streets)))]
        if kind == "hospital":
            base = region.name if region.level <= 3 else region.parent.name
            return [f"{base}{h}" for h in ("人民医院", "中医医院", "妇幼保健院", "第二人民医院")]
        if kind == "scenic":
            return text.SCENIC.get(prefecture, ["当地景区"])
        if kind == "company":
            return [f"{region.name}{c}" for c in text.COMPANY_KINDS]
        return [region.name]

    def plan(self, scenario: str, *, region=None, problem=None, author=None) -> Plan:
        problem = problem or self.rng.choices(text.PROBLEMS, weights=[p.weight for p in text.PROBLEMS])[0]
        region = region or self.pick_region()
        text_kind = "thanks" if scenario == "thanks" else self.pick_kind(problem)
        kind = text_kind
        if text_kind != "thanks" and self.rng.random() < MISLABELLED:
            kind = self.rng.choice([k for k in ("complain", "help", "suggest", "consult") if k != text_kind])
        return Plan(scenario, problem, kind, region, self.place_for(problem, region), author=author,
                    text_kind=text_kind)

    # --- words --------------------------------------------------------------------
    def title(self, plan: Plan, unit: Unit | None = None) -> str:
        p, rng = plan.problem, self.rng
        if plan.text_kind == "thanks":
            name = unit.short_name if unit and unit.short_name else "相关部门"
            candidates = [t.format(unit=name, place=plan.place, short=p.short) for t in text.THANKS_TITLES]
        elif rng.random() < NEUTRAL_TITLES:  # a title that does not say what type it is
            candidates = [rng.choice(text.NEUTRAL_TITLES).format(place=plan.place, short=p.short)]
        else:
            template = {"complain": p.complain, "suggest": p.suggest, "help": p.help,
                        "consult": p.consult}[plan.text_kind]
            candidates = [template.format(place=plan.place), template.format(place=plan.region.name)]
        fitting = [c for c in candidates if 5 <= len(c) <= 50] or [f"关于{p.short}的问题"]
        return rng.choice(fitting) if plan.text_kind == "thanks" else fitting[0]

    def body(self, plan: Plan, unit: Unit | None = None) -> str:
        p, rng = plan.problem, self.rng
        fill = {"place": plan.place, "region": plan.region.full_name, "short": p.short}
        kind = plan.text_kind
        if kind == "thanks":
            fill["unit"] = unit.name if unit else "相关部门"
            return rng.choice(text.THANKS_BODIES).format(**fill)
        grievance = kind in ("complain", "help")
        issues = rng.sample(p.issues, k=min(len(p.issues), rng.randint(2, 3) if grievance else rng.randint(1, 2)))
        parts = [rng.choice(text.OPENINGS[kind]), rng.choice(text.INTROS[p.place]).format(**fill),
                 "".join(x + "。" for x in issues)]
        if grievance:
            parts += [rng.choice(text.DURATIONS).format(n=rng.randint(2, 8)), rng.choice(text.ATTEMPTS)]
        asks = rng.sample(p.asks, k=min(len(p.asks), rng.randint(1, 2)))
        if kind == "consult":
            asks = [f"想问一下{p.short}方面的政策: {asks[0]}"]
        parts.append("".join(a + "。" for a in asks))
        parts.append(rng.choice(text.CLOSINGS[kind]))
        body = "".join(x for x in parts if x)
        # about one grievance in twenty leaves a phone number, as citizens do (the public
        # page hides it: docs/moderation.md); decided from the text, not the shared random
        # stream, so the rest of the demo stays as it was
        mark = zlib.crc32(body.encode("utf-8"))
        if grievance and mark % 20 == 0:
            body += f"我的电话 1{3 + mark % 7}{mark % 10**9:09d}, 请尽快联系我。"
        return body

    def reply_text(self, plan: Plan, unit: Unit, poor: bool) -> str:
        rng = self.rng
        if plan.text_kind == "thanks":
            return rng.choice(text.THANKS_REPLIES)
        if poor:
            return rng.choice(text.POOR_REPLIES)
        fill = {"place": plan.place, "short": plan.problem.short,
                "phone": f"{text.AREA_CODES.get(unit.region.code[:4] + '00', '0931')}-8{rng.randint(100000, 999999)}"}
        lines = rng.sample(plan.problem.replies, k=min(len(plan.problem.replies), rng.randint(2, 3)))
        check = "" if lines[0].startswith("经") else rng.choice(text.REPLY_CHECKS)
        return (rng.choice(text.REPLY_OPENINGS).format(**fill) + check
                + "".join(x + "。" for x in lines) + rng.choice(text.REPLY_CLOSINGS).format(**fill))

    # --- routing ----------------------------------------------------------------------
    def route(self, region: Region, topic: Topic):
        key = (region.id, topic.id)
        if key not in self.routes:
            self.routes[key] = route(region, topic)
        return self.routes[key]

    def fallback_unit(self, region: Region) -> Unit:
        """The prefecture's (or province's) 12345 centre, for a topic nobody leads."""
        code = region.code[:4] + "00" if region.level > 1 else region.code
        return next(u for u in self.units.values() if u.region.code == code and u.kind == Unit.Kind.CENTER)

    def wrong_unit(self, region: Region, right: Unit) -> Unit:
        """A plausible but wrong first destination (the prefecture's 住建局 or 城管局)."""
        prefecture = region if region.level <= 2 else self.regions[region.code[:4] + "00"]
        for suffix in ("住房和城乡建设局", "城市管理局", "住房和城乡建设厅", "生态环境厅"):
            unit = next((u for u in self.units.values() if u.name == f"{prefecture.name}{suffix}"), None)
            if unit and unit.id != right.id:
                return unit
        return next(u for u in self.units.values() if u.id != right.id and u.region_id == right.region_id)

    # --- living a scenario ---------------------------------------------------------------
    def schedule(self, plan: Plan) -> list[tuple[str, dt.datetime]]:
        steps, slack = SCENARIOS[plan.scenario]
        gaps = [self.rng.uniform(*GAPS[s]) * H for s in steps]
        total = sum(gaps, dt.timedelta())
        if plan.start is None:
            if slack is None:
                room = max(YEAR - total, D)
                after = self.rng.uniform(0, room / H) * H
            else:
                after = self.rng.uniform(*slack) * H
            plan.start = self.now - total - after
        times, t = [], plan.start
        for step, gap in zip(steps, gaps, strict=True):
            t = t + gap
            times.append((step, t))
        return times

    def live(self, plan: Plan, main: Message | None = None) -> Message:
        """Create the message and play its scenario up to now."""
        author = plan.author or self.rng.choice(self.cast.citizens)
        subtopic = self.topics[plan.problem.topic]
        steps = self.schedule(plan)
        the_route = self.route(plan.region, subtopic)
        lead = the_route.lead or self.fallback_unit(plan.region)
        given_topic = self.rng.choices([subtopic, subtopic.parent, None], weights=[55, 15, 30])[0]
        addressee = None
        if self.rng.random() < 0.25:
            choices = [a for r in plan.region.ancestors() for a in self.addressees.get(r.id, [])]
            addressee = self.rng.choice(choices) if choices else None
        message = actions.do_submit(author, title=self.title(plan, lead), body=self.body(plan, lead), kind=plan.kind,
                                    region=plan.region, addressee=addressee, topic=given_topic,
                                    show_name=self.rng.random() < 0.3, at=plan.start)
        state = _State(plan, message, lead, the_route.assists, subtopic, author)
        for step, at in steps:
            if at >= self.now:
                break
            getattr(self, f"_do_{step.split('_')[0]}")(state, step, at, main)
        return message

    def _staff(self, unit: Unit, s=None):
        """Who acts for ``unit`` on a case: the 承办人 its head gave the case to, else its officer."""
        if s is not None and s.handler is not None and s.handler[0] == unit.id:
            return s.handler[1]
        return self.cast.officers[unit.id]

    def _assign(self, s, at) -> None:
        """The head of the unit that just received the case gives most cases to one of its
        officers within the hour (指派承办人); the rest wait unassigned. A transfer starts
        unassigned: the last unit's 承办人 does not answer it (a case back to a unit keeps its own, _arrived)."""
        s.handler = None
        head, people = self.cast.heads.get(s.unit.id), self.cast.handlers.get(s.unit.id)
        if head is None or not people or self.assign_rng.random() < 0.2:
            return
        handler, when = self.assign_rng.choice(people), at + self.assign_rng.uniform(5, 60) * M
        if when >= self.now:
            return
        actions.do_assign_handler(head, s.message, s.unit, handler, at=when)
        s.handler = (s.unit.id, handler)

    def _arrived(self, s, assignment, at) -> None:
        """The case reached ``assignment``'s unit: back to a unit whose 承办人 had it (重办, 转办 back,
        派单 again after a return), theirs again (actions._carried_handler); else the head assigns."""
        if assignment.handler is not None:
            s.handler = (assignment.unit_id, assignment.handler)
        else:
            self._assign(s, at)

    def _do_accept(self, s, step, at, main):
        actions.do_accept(self.cast.dispatcher_for(s.plan.region), s.message, at=at)

    def _do_reject(self, s, step, at, main):
        actions.do_reject(self.cast.dispatcher_for(s.plan.region), s.message, self.rng.choice(text.REJECT_REASONS),
                          at=at)

    def _do_withdraw(self, s, step, at, main):
        actions.do_withdraw(s.author, s.message, at=at)

    def _do_dispatch(self, s, step, at, main):
        unit = self.wrong_unit(s.plan.region, s.lead) if step == "dispatch_wrong" else s.lead
        assists = [] if step == "dispatch_wrong" else s.assists
        lead = actions.do_dispatch(self.cast.dispatcher_for(s.plan.region), s.message, unit, assists=assists,
                                   topic=s.subtopic, at=at)
        s.unit = unit
        self._arrived(s, lead, at)

    def _do_transfer(self, s, step, at, main):
        reason = self.rng.choice(text.TRANSFER_REASONS).format(to=s.lead.name)
        new = actions.do_transfer(self._staff(s.unit, s), s.message, s.unit, s.lead, reason, at=at)
        s.unit = s.lead
        self._arrived(s, new, at)

    def _do_return(self, s, step, at, main):
        actions.do_return(self._staff(s.unit, s), s.message, s.unit, self.rng.choice(text.RETURN_REASONS), at=at)

    def _do_sign(self, s, step, at, main):
        actions.do_sign(self._staff(s.unit, s), s.message, s.unit, at=at)

    def _do_extension(self, s, step, at, main):
        ext = actions.do_request_extension(self._staff(s.unit, s), s.message, s.unit, self.rng.randint(3, 10),
                                           self.rng.choice(text.EXTENSION_REASONS), at=at)
        if step == "extension_pending":
            return
        approve = step == "extension_ok"
        note = self.rng.choice(text.EXTENSION_NOTES_APPROVED if approve else text.EXTENSION_NOTES_REFUSED)
        decided = min(at + self.rng.uniform(4, 40) * H, self.now - H)
        actions.do_decide_extension(self.cast.supervisor_for(s.plan.region), ext, approve, note, at=decided)
        s.message.refresh_from_db()

    def _do_supervise(self, s, step, at, main):
        actions.do_supervise(self.cast.supervisor_for(s.plan.region), s.message,
                             self.rng.choice(text.SUPERVISION_NOTES), at=at)

    def _do_reply(self, s, step, at, main):
        for assignment in s.message.assignments.filter(role="assist", state="active").select_related("unit"):
            if self.rng.random() < 0.6:  # 协办意见 shortly before the lead unit replies
                note = self.rng.choice(text.ASSIST_NOTES).format(short=s.plan.problem.short, place=s.plan.place)
                actions.do_assist_note(self._staff(assignment.unit), s.message, assignment.unit, note,
                                       at=at - self.rng.uniform(2, 20) * H)
        poor = step == "reply_poor" or (step == "reply_late" and self.rng.random() < 0.5)
        body = self.reply_text(s.plan, s.unit, poor)
        # scored and explained as the reply form scores an officer's reply: the case pages show 质量评分, 套话
        # included, and what each part short of full marks misses (「可解释性 67%: …」)
        actions.do_reply(self._staff(s.unit, s), s.message, s.unit, body,
                         quality=lookup.score_for_reply(s.message, body, replied_at=at, explain=True), at=at)

    def _do_eval(self, s, step, at, main):
        level = {"eval_sat": Rating.SATISFIED, "eval_basic": Rating.BASIC, "eval_unsat": Rating.UNSATISFIED}[step]
        others = [Rating.SATISFIED, Rating.BASIC] if level != Rating.UNSATISFIED else list(Rating.values)
        attitude, speed = self.rng.choice(others), self.rng.choice(others)
        comment = self.rng.choice(text.COMMENTS[level])
        actions.do_evaluate(s.author, s.message, resolution=level, attitude=attitude, speed=speed, comment=comment,
                            at=at)

    def _do_reopen(self, s, step, at, main):
        reopened = actions.do_reopen(s.author, s.message, self.rng.choice(text.REOPEN_REASONS), at=at)
        self._arrived(s, reopened, at)  # the reopened round is a new assignment of the unit

    def _do_close(self, s, step, at, main):
        actions.do_close(s.message, at=at, reason="no_evaluation" if step == "close_noeval" else "not_reopened")

    def _do_merge(self, s, step, at, main):
        if (main is None or not main.is_public or main.status == "merged"
                or main.accepted_at is None or main.accepted_at >= at):  # only an accepted case is a main case
            return
        actions.do_merge(self.cast.dispatcher_for(s.plan.region), s.message, main, at=at)


@dataclass
class _State:
    plan: Plan
    message: Message
    lead: Unit
    assists: list[Unit]
    subtopic: Topic
    author: object
    unit: Unit | None = None
    handler: tuple[int, object] | None = None  # (unit id, 承办人) its head gave the case to


# --- the whole run -------------------------------------------------------------------

SHOWCASE_PROBLEMS = ["urban-oldcompound", "urban-heating", "urban-property", "urban-housing"]
# the showcase cases the demo citizen (13900000001) writes besides every other one: those waiting for
# what only their author does, 评价 (replied) and 修改后重新提交 (rejected), fell to other citizens
CITIZEN_SHOWCASE = {"replied", "rejected"}


def plans(gen: Generator, count: int) -> list[tuple[Plan, int | None]]:
    """Every message to create, as (plan, index of the cluster's main plan or None)."""
    out: list[tuple[Plan, int | None]] = []
    if count <= 0:
        return out
    lanzhou = gen.regions["620100"]
    persona = gen.cast.persona["13900000001"]
    by_topic = {}
    for p in text.PROBLEMS:
        by_topic.setdefault(p.topic, p)
    # 1. the showcase: every scenario once, in 兰州市, many by the demo citizen
    for i, name in enumerate(s for s in SCENARIOS if s != "merged"):
        problem = by_topic[SHOWCASE_PROBLEMS[i % len(SHOWCASE_PROBLEMS)]] if i % 3 != 2 else None
        if name in ("transferred_waiting", "transferred_closed"):
            problem = by_topic["environment-noise"]  # 住建局 receives it wrongly and transfers it
        mine = i % 2 == 0 or name in CITIZEN_SHOWCASE
        out.append((gen.plan(name, region=lanzhou, problem=problem, author=persona if mine else None), None))
    # 2. clusters: hotspots (a burst of weeks) and chronic problems (months, poor answers)
    clusters = max(2, count // 100)
    for c in range(clusters):
        chronic = c % 3 == 2
        problem = gen.rng.choices(text.PROBLEMS, weights=[p.weight for p in text.PROBLEMS])[0]
        region = gen.pick_region()
        place = gen.place_for(problem, region)
        size = gen.rng.randint(4, 9)
        span = gen.rng.uniform(120, 300) * D if chronic else gen.rng.uniform(10, 40) * D
        begin = gen.now - gen.rng.uniform(span / D + 5, 360) * D
        main_index = len(out)
        for k in range(size):
            if k == 0:
                name = "closed_unsatisfied" if chronic else "closed_satisfied"
            elif k == 1 or gen.rng.random() < 0.3:
                name = "merged"  # every cluster has at least one duplicate joined to its main case
            else:
                name = gen.rng.choice(["closed_unsatisfied", "late_reply", "reopened_closed", "closed_basic"]
                                      if chronic else ["closed_satisfied", "closed_basic", "closed_no_rating"])
            plan = gen.plan(name, region=region, problem=problem)
            plan.place, plan.cluster = place, c
            plan.start = begin + (span * k / size if k else dt.timedelta())
            out.append((plan, main_index if k else None))
    # 3. the rest, by weight
    names = list(WEIGHTS)
    while len(out) < count:
        out.append((gen.plan(gen.rng.choices(names, weights=[WEIGHTS[n] for n in names])[0]), None))
    return out


def generate(cast: Cast, count: int, seed: int, progress: Callable[[int, int], None] | None = None,
             now: dt.datetime | None = None, batch: int = 100) -> Summary:
    """Create ``count`` (or a few more, for the showcase) messages with their histories;
    ``progress(done, total)`` after each batch."""
    progress = progress or (lambda done, total: None)
    if now is None:  # the start of today: runs on the same day give the same data
        local = timezone.localtime()
        now = local.replace(hour=0, minute=0, second=0, microsecond=0)
    gen = Generator(cast, seed, now)
    todo = plans(gen, count)
    created: list[Message] = []
    # The demo trains its models at the end; reading each message on submit would only
    # slow the run down (and there is no model yet). Mail is not sent for history.
    after_submit = actions._after_submit
    actions._after_submit = lambda pk: None
    try:
        # one transaction, the statistics' rebuild (stats_paused) in it: a run that fails half-way
        # (the database locked or its connection lost) leaves no messages without their figures; in
        # the caller's (demo --reset, since 2026-12-07), the old messages deleted in it are kept
        with (override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
              transaction.atomic()):
            # the actions' notes are made at the end of the histories, still without mail, not at the
            # commit (on_commit): a supporter is not told of a reply before the support, read marks
            # fall on notes that exist, and the caller's transaction holds them too
            with stats_paused(), commit_hooks_run_here():
                for start in range(0, len(todo), batch):
                    for plan, main_index in todo[start:start + batch]:
                        main = created[main_index] if main_index is not None else None
                        created.append(gen.live(plan, main))
                    progress(len(created), len(todo))
            read_old_notifications(now)
            add_supports(gen, created, {m.pk for (p, _), m in zip(todo, created, strict=True) if p.cluster is not None})
            add_campaigns(now)
    finally:
        actions._after_submit = after_submit
    summary = Summary(messages=len(created), clusters=len({p.cluster for p, _ in todo if p.cluster is not None}))
    for status in Message.objects.values_list("status", flat=True):
        summary.statuses[status] = summary.statuses.get(status, 0) + 1
    return summary


def add_supports(gen: Generator, messages: list[Message], in_cluster: set[int]) -> None:
    """我也遇到: other citizens with the same problem support public messages, those of a
    hotspot (``in_cluster``: their ids) more often; the demo citizen supports a few recent ones
    in 兰州市 (their 我也遇到的 tab). Each support falls within a month of the message, before
    today; the messages' counts follow."""
    rng, now = gen.rng, gen.now
    demo_citizen = gen.cast.persona.get("13900000001")
    public = list(Message.objects.filter(pk__in=[m.pk for m in messages], status__in=Status.public())
                  .exclude(status=Status.MERGED).order_by("pk").values("pk", "author_id", "submitted_at", "region__code"))
    rows = []
    for m in public:
        n = rng.choices([0, 1, 2, 4, 7], weights=[30, 30, 20, 12, 8] if m["pk"] in in_cluster else [80, 14, 5, 1, 0])[0]
        others = [c for c in rng.sample(gen.cast.citizens, min(n + 1, len(gen.cast.citizens))) if c.pk != m["author_id"]]
        span = max(min(now, m["submitted_at"] + 30 * D) - m["submitted_at"], dt.timedelta(hours=1))
        rows += [Support(message_id=m["pk"], user=user, created_at=m["submitted_at"] + span * (0.05 + 0.95 * rng.random()))
                 for user in others[:n]]
    if demo_citizen is not None:
        taken = {(r.message_id, r.user_id) for r in rows}
        theirs = [m for m in public if m["author_id"] != demo_citizen.pk and m["region__code"].startswith("6201")
                  and m["submitted_at"] > now - 60 * D and (m["pk"], demo_citizen.pk) not in taken]
        rows += [Support(message_id=m["pk"], user=demo_citizen, created_at=m["submitted_at"] + (now - m["submitted_at"]) / 2)
                 for m in rng.sample(theirs, min(4, len(theirs)))]
    Support.objects.bulk_create(rows, batch_size=500)
    supported = {r.message_id for r in rows}
    count = Support.objects.filter(message=OuterRef("pk")).values("message").annotate(n=Count("id")).values("n")
    Message.objects.filter(pk__in=supported).update(support_count=Subquery(count))


def add_campaigns(now: dt.datetime) -> None:
    """征集活动 over the demo's months (/stats/campaigns/ was empty): a province-wide call still
    open, and a city's call about one topic, ended, its report complete. Created or updated by
    slug: a run with --reset keeps one of each."""
    from minsheng.stats.models import Campaign

    today = timezone.localtime(now).date()
    province = Region.objects.filter(level=Region.Level.PROVINCE).order_by("code").first()
    city = Region.objects.filter(code="620100").first()
    old_compounds = Topic.objects.filter(code="urban-oldcompound").first()
    wide, _ = Campaign.objects.update_or_create(slug="banshishi", defaults={
        "name": "我为群众办实事", "start": today - 120 * D, "end": today + 30 * D,
        "description": "集中征集群众身边的急难愁盼问题, 逐条交办、限时答复, 办理结果向社会公开。"})
    wide.regions.set([province] if province else [])
    if city and old_compounds:
        local, _ = Campaign.objects.update_or_create(slug="lanzhou-old-compounds", defaults={
            "name": f"{city.name}老旧小区改造意见征集", "start": today - 240 * D, "end": today - 150 * D,
            "description": "征集老旧小区加装电梯、管网改造、外墙保温等方面的意见建议。"})
        local.regions.set([city])
        local.topics.set([old_compounds])


def read_old_notifications(now: dt.datetime) -> None:
    """Mark the notes older than two weeks read, as a real inbox would look. Each note is
    dated by its action already (notify.dated: the demo's actions are passed their time)."""
    Notification.objects.filter(created_at__lt=now - 14 * D, read_at__isnull=True).update(read_at=now - 14 * D)


def reset() -> int:
    """Delete every message (and, by cascade, its history and notifications)."""
    count = Message.objects.count()
    with transaction.atomic(), stats_paused():  # the statistics rebuilt in the same transaction
        Extension.objects.all().delete()
        Notification.objects.all().delete()
        Message.objects.filter(duplicate_of__isnull=False).update(duplicate_of=None)
        Message.objects.all().delete()
    return count


@contextmanager
def commit_hooks_run_here():
    """The on_commit hooks registered in the block, run at its end in the transaction rather than at
    its commit (as Django's ``TestCase.captureOnCommitCallbacks(execute=True)``, and taken off the
    commit's list): in a caller's transaction they would wait for its commit. Not run when the block
    fails; its transaction's rollback discards them. What they start runs here too, in the transaction
    (``tasks_run_here``): a Celery worker or a thread of its own, on a connection of its own, would not
    see the rows it reads before the commit (review, 2026-12-07)."""
    connection = transaction.get_connection()
    start = len(connection.run_on_commit)  # the list is replaced when a savepoint rolls back: read anew
    yield
    with tasks_run_here():
        while len(connection.run_on_commit) > start:  # a hook may register more
            due = connection.run_on_commit[start:]
            del connection.run_on_commit[start:]
            for _, hook, robust in due:
                if not robust:
                    hook()
                    continue
                try:
                    with transaction.atomic():  # a failed query undone alone: the transaction goes on
                        hook()
                except Exception:  # as Django runs a robust hook: logged, the others still run
                    log.exception("on_commit hook %r failed", hook)


@contextmanager
def tasks_run_here():
    """Celery tasks queued in the block run at once, in this process and transaction (as without a broker),
    and ``minsheng.celery.in_thread`` work runs inline, not in a thread of its own."""
    from minsheng.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with override_settings(CELERY_TASK_ALWAYS_EAGER=True, MINSHENG_BACKGROUND_THREADS=False):
            yield
    finally:
        app.conf.task_always_eager = eager


@contextmanager
def stats_paused():
    """In live use the stats app refreshes a message's figures after every committed
    action (and takes a deleted message out of them). For thousands of histories one
    full rebuild at the end is far cheaper, so its signal handlers are held meanwhile."""
    try:
        from minsheng.stats import facts
        from minsheng.stats.apps import _event_saved, _message_deleted
    except ImportError:  # no statistics app: nothing to hold
        yield
        return
    post_save.disconnect(sender=Event, dispatch_uid="stats-event-saved")
    pre_delete.disconnect(sender=Message, dispatch_uid="stats-message-deleted")
    try:
        yield
    finally:
        post_save.connect(_event_saved, sender=Event, dispatch_uid="stats-event-saved")
        pre_delete.connect(_message_deleted, sender=Message, dispatch_uid="stats-message-deleted")
    facts.rebuild()
