"""The pinyin sort key of a person's name (``User.name_key``): 承办人 are listed as a Chinese reader looks
them up — 李 (li), 单 (shan), 王 (wang), 曾 (zeng), 张 (zhang) —, not by character code (单 张 曾 李 王). A plain
function; the user row stores the key, so that SQLite and PostgreSQL order it alike, byte by byte
(ByteOrder), without pypinyin per query."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import F, Q
from django.db.models.functions import Collate
from pypinyin import Style, lazy_pinyin

# a surname read as a surname: pypinyin (0.55) has no surname mode and reads 曾 ceng, 单 dan, 解 jie, 仇 chou,
# 朴 pu; its phrase data already reads the compound surnames (单于 chan yu, 尉迟 yu chi, 万俟 mo qi)
SURNAMES = {"曾": "zeng1", "单": "shan4", "解": "xie4", "仇": "qiu2", "朴": "piao2", "区": "ou1", "查": "zha1",
            "盖": "ge3", "覃": "qin2", "翟": "zhai2", "种": "chong2", "缪": "miao4", "秘": "bi4", "员": "yun4",
            "华": "hua4", "任": "ren2", "纪": "ji3", "宁": "ning4", "薄": "bo2", "召": "shao4", "阚": "kan4",
            "相": "xiang4", "隗": "wei3", "繁": "po2", "过": "guo1", "句": "gou1", "祭": "zhai4", "能": "nai4",
            # since 2026-12-05: 乐 le, 都 dou, 重 zhong, 柏 bo (柏林), 折 zhe, 乜 mie, 粘 zhan as pypinyin reads them
            "乐": "yue4", "都": "du1", "重": "chong2", "柏": "bai3", "折": "she2", "乜": "nie4", "粘": "nian2"}
COMPOUND_SURNAMES = ("单于", "尉迟", "万俟")
# what reads as a person's name: one to four characters, all Chinese (单位负责人, 解放路街道办 are read as words);
# one character alone is a surname (a 承办人 known as 曾: zeng, not ceng; since 2026-12-05, before read as a word)
_PERSONAL = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
# a cursor's text is at most 200 characters (api.pagination._typed)
KEY_LENGTH = 200


def name_key(name: str) -> str:
    """The sort key of ``name``: a syllable per Chinese character with its tone (5 for the neutral tone),
    the surname read as one (SURNAMES) where the name reads as a person's, other text lower-cased as
    words (full-width letters as ASCII), space-separated: 曾强 → ``zeng1 qiang2``, 李 → ``li3``, which sorts
    before 李娜 ``li3 na4`` and before 梁 ``liang2``. Compared byte by byte: a digit and the space sort before
    the letters, so a syllable is compared whole, then its tone."""
    name = unicodedata.normalize("NFKC", name or "").strip()
    syllables = lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True, errors="default")
    if _PERSONAL.match(name) and not name.startswith(COMPOUND_SURNAMES) and name[0] in SURNAMES:
        syllables[0] = SURNAMES[name[0]]
    words = [word for syllable in syllables for word in syllable.lower().split()]
    return " ".join(words)[:KEY_LENGTH].strip()


class ByteOrder(Collate):
    """Text compared byte by byte (by code point) on PostgreSQL as on SQLite, whatever the database's
    collation: one made with en_US.UTF-8 skips spaces, zh_CN.UTF-8 has its own pinyin order, SQLite compares
    code points. In an order_by and in a filter (the API's cursor) alike."""

    def __init__(self, expression):
        super().__init__(expression, "C")

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, collation="BINARY", **extra_context)


def by_name(prefix: str = "") -> list:
    """An order_by of people (the users at ``prefix``) by their name in pinyin, then by the name, then by id."""
    return [ByteOrder(F(f"{prefix}{field}")).asc() for field in ("name_key", "display_name", "username")] + [
        f"{prefix}id" if prefix else "id"]


def rekey_users(apps, only: Q | None = None) -> None:
    """Migration accounts/0009: every account's ``name_key``, of the name it shows (User.__str__: 已注销用户 when
    closed, else its 昵称 or its user name); ``apps`` the migration state's; ``only``: those accounts alone."""
    from minsheng.accounts.models import CLOSED_NAME

    User = apps.get_model("accounts", "User")
    users = User.objects.filter(only) if only is not None else User.objects.all()
    batch = []
    for user in users.only("pk", "username", "display_name", "closed_at").iterator(chunk_size=1000):
        user.name_key = name_key(CLOSED_NAME if user.closed_at else user.display_name or user.username)
        batch.append(user)
        if len(batch) == 1000:  # a site of many citizens: a thousand rows at a time, not all of them in memory
            User.objects.bulk_update(batch, ["name_key"])
            batch = []
    User.objects.bulk_update(batch, ["name_key"])
