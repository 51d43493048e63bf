"""Replies scored before the quality review of 2026-12-06 keep the parts charged then: an abbreviation and its full name
not read both ways (查处 / 查扣处理, 村委会 / 村民委员会), a letter that only praises read as a demand, a second matter asked
with no opening word answered by the title matter's date. Their stored score is rebuilt by today's rules, all parts
(relevance, completeness, interpretability, the questions and those missed, the reasons, the explanation), from the
message and the reply as stored; the timeliness is kept as stored (the case's deadline may have moved since: 0031 kept
it too) and the total is built again from the parts. A stored score the rules leave as it is is not written.

It calls the scorer of the code it runs with (``minsheng.insight.quality.score_reply``): run later, it rebuilds by the
rules of that day, which is what a rebuild means."""

from django.db import migrations, transaction

BATCH = 500
# the parts a rule of the review may change (the timeliness and its reason are the deadline's, kept)
PARTS = ("relevance", "completeness", "interpretability", "facts", "measures", "contact", "questions",
         "questions_addressed", "boilerplate", "thanks", "praise", "missed")
TIMELY_REASONS = ("距留言提交已 ", "已超过答复期限", "答复时间早于留言时间")
BOILERPLATE_CAP = 20.0  # quality.BOILERPLATE_CAP, as written then


def rescored(stored: dict, title: str, body: str, reply: str, thanks: bool) -> dict | None:
    """The stored score ``stored`` rebuilt by today's rules, or None where they change nothing of it."""
    from minsheng.insight.quality import score_reply  # noqa: PLC0415 (today's rules: see the module's doc)

    explain = isinstance(stored.get("explained"), dict)
    new = score_reply(title, body, reply, explain=explain, thanks=thanks)  # no dates: no timeliness read
    timeliness = stored.get("timeliness")
    kept = [r for r in stored.get("reasons", []) if r.startswith(TIMELY_REASONS)]
    new["timeliness"] = timeliness
    new["reasons"] = [*new["reasons"], *kept]
    if explain:
        said = {k: v for k, v in new["explained"].items() if k != "timeliness"}
        if "timeliness" in stored["explained"]:
            said["timeliness"] = stored["explained"]["timeliness"]
        new["explained"] = said
    parts = [(0.3, new["relevance"]), (0.3, new["completeness"]), (0.3, new["interpretability"])]
    if timeliness is not None:
        parts.append((0.1, timeliness))
    score = 100 * sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    new["score"] = round(min(score, BOILERPLATE_CAP) if new["boilerplate"] else score, 1)
    same = all(stored.get(k, new[k] if k == "praise" else None) == new[k] for k in PARTS) and (
        not explain or stored["explained"] == new["explained"])
    return None if same else {**stored, **new}


def rebuild(apps, **only) -> None:
    """Each stored score (of the replies ``only`` filters) that today's rules change, written again: a batch of
    ``BATCH`` replies read by key, each batch's writes in a transaction of its own — about 13 ms a reply, so a
    site of 100,000 replies takes some 20 minutes, and one transaction for them all would hold its rows that long
    (review1, 2026-12-06). Stopped half-way, a rerun rebuilds the rest (a score rebuilt is left as it is)."""
    Reply = apps.get_model("board", "Reply")
    replies = Reply.objects.filter(**only).select_related("message").only(
        "pk", "quality", "body", "message__title", "message__body", "message__kind").order_by("pk")
    last = 0
    while batch := list(replies.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        changed = []
        for reply in batch:
            stored = reply.quality or {}
            if "score" not in stored:
                continue
            new = rescored(stored, reply.message.title, reply.message.body, reply.body,
                           reply.message.kind == "thanks")
            if new is not None:
                reply.quality = new
                changed.append(reply)
        if changed:
            with transaction.atomic():
                Reply.objects.bulk_update(changed, ["quality"], batch_size=BATCH)


def forwards(apps, schema_editor):
    rebuild(apps)


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (``rebuild``)

    dependencies = [
        ("board", "0033_search_text_without_home_flats_numbered_with_hao"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
