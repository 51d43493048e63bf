"""Who receives messages: regions, units, addressees, topics and the responsibility
table that routes (region × topic) to a lead unit and assisting units."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from .pinyin import key_units, pinyin_key, unit_key

_CODE = re.compile(r"^\d{6}(\d{3})?(\d{3})?$")
# a unit's 联系电话: a mainland mobile, a landline with its area code (and an extension), or a service line
# (12345, 95598, 96777, 400-/800- numbers); several separated by 、 or ;
_CONTACT_PHONE = re.compile(r"^(?:1[3-9]\d{9}"
                            r"|(?:0\d{2,3}-?|\(0\d{2,3}\))[2-9]\d{6,7}(?:(?:-|转)\d{1,6})?"
                            r"|\d{5}|9[56]\d{3,6}|[48]00-?\d{3}-?\d{4})$")
_CONTACT_SEPARATORS = re.compile(r"\s*[、;,]\s*")  # read after NFKC: ； and ， are ; and ,


def normalize_contact_phone(value: str) -> str:
    """A 联系电话 as stored: full-width digits, dashes and brackets (a Chinese keyboard in full-width mode) in
    ASCII, numbers separated by ， or , joined by 、 (since 2026-12-06: refused as 「不是电话号码」 before)."""
    return re.sub(r"\s*,\s*", "、", unicodedata.normalize("NFKC", value or "").strip())


def contact_phones(value: str) -> list[str]:
    """The numbers of a unit's 联系电话 (``Unit.contact_phone``) as written, spaces inside each removed."""
    value = unicodedata.normalize("NFKC", value or "")
    return [re.sub(r"\s+", "", n) for n in _CONTACT_SEPARATORS.split(value) if n.strip()]


def validate_contact_phone(value: str) -> None:
    bad = [n for n in contact_phones(value) if not _CONTACT_PHONE.match(n)]
    if bad:
        raise ValidationError(f"{'、'.join(bad)} 不是电话号码: 请填写手机号、带区号的固定电话 (如 0931-8123456, "
                              "可加分机 0931-8123456-801) 或服务热线 (如 12345、95598、400-123-4567), 多个用 、 或 ; 分隔")


class Region(models.Model):
    """A GB/T 2260 administrative division. Codes are hierarchical, so a region's
    subtree is every code starting with its ``prefix``."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, "省级"
        PREFECTURE = 2, "地级"
        COUNTY = 3, "县级"
        TOWNSHIP = 4, "乡级"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.PositiveSmallIntegerField("级别", choices=Level.choices)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name="上级区划")
    prefix = models.CharField(max_length=12, db_index=True, editable=False)
    # 拼音 and 首字母 of the name, what the pickers match a typed 「qlh」 against (pinyin.py)
    pinyin = models.TextField("拼音", blank=True, default="", editable=False)
    # when the row last changed: every process's gazetteer (insight/places.py) rebuilds when the
    # latest of these moves, so a rename of the same length (榆中县 → 榆中区) is seen too
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prefix = self.prefix_for(self.code, self.level)
        self.pinyin = pinyin_key(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "prefix", "pinyin", "updated_at"}
        super().save(*args, **kwargs)
        # a unit without a 简称 is keyed by its name less its regions' (short_form): a rename re-keys them
        plain = list(Unit.objects.filter(region__code__startswith=self.prefix, short_name="")
                     .only("pk", "name", "short_name", "region_id"))
        if plain:
            key_units(plain, Region.objects.values_list("pk", "name", "parent_id"))
            Unit.objects.bulk_update(plain, ["pinyin"])

    @staticmethod
    def prefix_for(code: str, level: int) -> str:
        return {1: code[:2], 2: code[:4], 3: code[:6]}.get(level, code)

    @staticmethod
    def level_for(code: str) -> int:
        """The level a code implies: xx0000 province, xxxx00 prefecture, 9 or 12 digits township."""
        if len(code) > 6:
            return 4
        if code.endswith("0000"):
            return 1
        return 2 if code.endswith("00") else 3

    def clean(self):
        # Subtrees are code prefixes (dispatchers, statistics): a region must sit under its
        # parent's code and at a lower level, which also rules out a cycle of parents.
        if not _CODE.match(self.code or ""):
            raise ValidationError({"code": "区划代码应为 6、9 或 12 位数字"})
        if self.level and self.level != self.level_for(self.code):
            level = self.Level(self.level_for(self.code)).label
            raise ValidationError({"level": f"区划代码 {self.code} 是{level}代码, 与所选级别不符"})
        parent = self.parent if self.parent_id else None
        if self.level == self.Level.PROVINCE and parent:
            raise ValidationError({"parent": "省级区划不能有上级区划"})
        if self.level and self.level > self.Level.PROVINCE:
            if parent is None:
                raise ValidationError({"parent": "请选择上级区划"})
            if parent.level >= self.level or not self.code.startswith(parent.prefix):
                raise ValidationError({"parent": f"{parent.name} ({parent.code}) 不是 {self.code} 的上级区划"})
        if self.pk and self.level:
            prefix = self.prefix_for(self.code, self.level)
            stray = self.children.exclude(code__startswith=prefix, level__gt=self.level).first()
            if stray:
                raise ValidationError({"code": f"下级区划 {stray.name} ({stray.code}) 将不在 {self.code} 之下, "
                                               "请先调整下级区划"})

    def ancestors(self) -> list[Region]:
        """This region and its parents, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def contains(self, other: Region) -> bool:
        """``other`` is this region or lies below it."""
        return other.code.startswith(self.prefix) and other.level >= self.level

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in reversed(self.ancestors()))


class Unit(models.Model):
    """A department or government that handles messages (办理单位)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "职能部门"
        GOVERNMENT = "government", "人民政府"
        CENTER = "center", "政务服务/12345中心"
        PARTY = "party", "党委部门"

    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    region = models.ForeignKey(Region, models.PROTECT, related_name="units", verbose_name="所在区划")
    kind = models.CharField("类别", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="children",
                               verbose_name="上级单位")
    is_active = models.BooleanField("启用", default=True)
    # published (its page, the API) and allowed in its replies: until 2026-12-06 a reply giving the unit's own mobile
    # after a bare 联系电话 was refused as a private person's, and citizens had no way to reach a unit
    contact_phone = models.CharField("联系电话", max_length=100, blank=True, default="",
                                     validators=[validate_contact_phone],
                                     help_text="公开的联系电话, 如 0931-8123456; 多个用 、 或 ; 分隔")
    # 拼音 and 首字母 of the name and the short name: 「zjj」 finds 兰州市住房和城乡建设局 (简称 住建局);
    # without a 简称, of the one derived from the name (pinyin.short_form: also 住建局), and that 简称 itself
    # (「住建局」 typed in Chinese; pinyin.unit_key)
    pinyin = models.TextField("拼音", blank=True, default="", editable=False)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = verbose_name_plural = "办理单位"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.pinyin = self.key()
        self.contact_phone = normalize_contact_phone(self.contact_phone)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "pinyin"}
        super().save(*args, **kwargs)

    def key(self) -> str:
        """The ``pinyin`` of this unit: its name's and its 简称's, or the derived one's (short_form)."""
        if self.short_name:
            return unit_key(self.name, self.short_name, ())
        return unit_key(self.name, "", [r.name for r in self.region.ancestors()])

    @property
    def phones(self) -> list[str]:
        """The numbers of its 联系电话 (``contact_phones``)."""
        return contact_phones(self.contact_phone)

    def serves(self, region: Region) -> bool:
        """The unit may be named in the table for ``region``: it belongs to the region or
        to a region above it (a row applies to the region's whole subtree)."""
        return self.region.contains(region)

    def clean(self):
        if self.parent_id and _has_cycle(self, "parent"):
            raise ValidationError({"parent": "上级单位不能是本单位或本单位的下级单位"})
        if self.pk and self.region_id:
            rows = (Responsibility.objects.filter(unit_id=self.pk).select_related("region", "topic")
                    .order_by("region__code", "topic__sort", "topic__code"))
            stray = [row for row in rows if not self.serves(row.region)]
            if stray:
                listed = "、".join(f"{row.region.name} · {row.topic.name}" for row in stray[:5])
                raise ValidationError({"region": f"移到 {self.region.name} 后, 本单位不能再承办权责清单中的 "
                                                 f"{listed} 等 {len(stray)} 行, 请先修改这些行"})


class Addressee(models.Model):
    """A leader's office a message can be addressed to (留言对象), e.g. 兰州市市长."""

    title = models.CharField("称谓", max_length=50)
    region = models.ForeignKey(Region, models.PROTECT, related_name="addressees", verbose_name="区划")
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="addressees",
                             verbose_name="受理单位", help_text="收到写给此留言对象的留言的办公室")
    sort = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # 拼音 and 首字母 of the title (兰州市市长: lzssz), what the API's /addressees/?q= matches (pinyin.py)
    pinyin = models.TextField("拼音", blank=True, default="", editable=False)

    class Meta:
        ordering = ["region__code", "sort", "title"]
        unique_together = [("region", "title")]
        verbose_name = verbose_name_plural = "留言对象"

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.pinyin = pinyin_key(self.title)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "pinyin"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.unit_id and self.region_id:
            unit, region = self.unit, self.region
            if not (unit.region.contains(region) or region.contains(unit.region)):
                raise ValidationError({"unit": f"{unit.name} 属于 {unit.region.full_name}, "
                                               f"不是 {region.full_name} 或其上下级区划的单位"})


# Open311's pseudo-code for the messages of no topic yet (api/open311/mapping.py, `requests.json?service_code=`):
# a topic of that code (in any case) would be read as both
UNCLASSIFIED_CODE = "unclassified"
CODE_RESERVED = f"领域代码 {UNCLASSIFIED_CODE} 已保留 (Open311 用它表示尚未分类的留言), 请换一个代码"


class TopicQuerySet(models.QuerySet):
    def coded(self, *codes: str) -> TopicQuerySet:
        """The topics of codes as typed (an API filter, a file, a command's option, Open311's ``service_code``):
        a topic code is read without regard to case, 「CSJS」 is 「csjs」 (docs/demo-and-directory.md)."""
        return self.alias(code_lower=Lower("code")).filter(code_lower__in=[str(code).lower() for code in codes])


class Topic(models.Model):
    """A node of the editable topic hierarchy (领域)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name="上级领域")
    keywords = models.CharField("关键词", max_length=300, blank=True)
    sort = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "领域"
        constraints = [
            # codes are read without regard to case (TopicQuerySet.coded): two that differ in case alone
            # would be one topic to whoever types them
            models.UniqueConstraint(Lower("code"), name="directory_topic_code_ci_unique",
                                    violation_error_message="已有代码相同 (不区分大小写) 的领域"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.parent_id and _has_cycle(self, "parent"):
            raise ValidationError({"parent": "上级领域不能是本领域或本领域的下级领域"})
        if self.code and self.code.lower() == UNCLASSIFIED_CODE:
            raise ValidationError({"code": CODE_RESERVED})
        if self.code:
            twin = Topic.objects.coded(self.code).exclude(pk=self.pk).first()
            if twin:
                raise ValidationError({"code": self.same_code_refused(twin.code, twin.name)})
        if self.is_active and self.name:
            # the topic model answers names (insight.tasks.topic_for_label), training and statistics
            # read them: of two active topics of one name, the second was never predicted
            twin = Topic.objects.filter(name=self.name, is_active=True).exclude(pk=self.pk).first()
            if twin:
                raise ValidationError({"name": self.same_name_refused(twin.name, twin.code)})

    @staticmethod
    def same_code_refused(code: str, name: str) -> str:
        return f"已有代码为 {code} 的领域「{name}」; 领域代码不区分大小写, 请换一个代码"

    @staticmethod
    def same_name_refused(name: str, code: str) -> str:
        return f"已有启用的领域「{name}」(代码 {code}); 模型和统计按名称区分领域, 请换一个名称, 或先停用那一个"

    def root(self) -> Topic:
        node = self
        while node.parent_id:
            node = node.parent
        return node

    def lineage(self) -> list[Topic]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


def home_region() -> Region | None:
    """The region the whole directory sits under: the only top-level region, and below it
    while a region has a single sub-region and no unit of its own. A city's directory holds
    its province as the parent the codes need (浙江省 › 湖州市); the statistics then open on
    湖州市 and the region picker starts there, not at a province with one choice."""
    region, below = None, Region.objects.filter(parent__isnull=True)
    while True:
        found = list(below.only("code", "name", "level", "parent")[:2])
        if len(found) != 1 or (region is not None and region.units.exists()):
            return region
        region, below = found[0], found[0].children.all()


def topic_tree() -> list[Topic]:
    """The active topics for a select box: each parent followed by its children (siblings
    by sort, code), each with ``depth`` (0 at the top) and ``indent`` (a full-width space
    a level). A flat ``sort`` order would interleave the children of different parents."""
    topics = list(Topic.objects.filter(is_active=True).only("code", "name", "parent_id", "sort"))
    active = {t.pk for t in topics}
    children: dict = {}
    for t in topics:  # a child of an inactive topic stands at the top
        children.setdefault(t.parent_id if t.parent_id in active else None, []).append(t)
    out: list[Topic] = []

    def walk(parent_id, depth):
        for t in sorted(children.get(parent_id, []), key=lambda t: (t.sort, t.code)):
            t.depth, t.indent = depth, "\u3000" * depth
            out.append(t)
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


class Responsibility(models.Model):
    """权责清单 row: in ``region`` (and its whole subtree unless a lower region has its
    own rows for the topic) messages on ``topic`` go to ``unit`` as lead or assist."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"

    region = models.ForeignKey(Region, models.CASCADE, related_name="responsibilities", verbose_name="区划")
    topic = models.ForeignKey(Topic, models.CASCADE, related_name="responsibilities", verbose_name="领域")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="responsibilities", verbose_name="办理单位")
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.LEAD)

    # the pks of the rows saved with this one on a region's or unit's admin page (set by its formset)
    rows_on_page: frozenset[int] = frozenset()

    class Meta:
        unique_together = [("region", "topic", "unit")]
        verbose_name = verbose_name_plural = "权责清单"

    def __str__(self) -> str:
        return f"{self.region} · {self.topic} → {self.unit} ({self.get_role_display()})"

    def clean(self):
        if not (self.region_id and self.topic_id and self.unit_id):
            return
        unit, region = self.unit, self.region
        if not unit.serves(region):
            raise ValidationError({"unit": f"{unit.name} 属于 {unit.region.full_name}, 不能承办 {region.full_name} "
                                           "的留言 (须为该区划或其上级区划的单位)"})
        if self.role == self.Role.LEAD:
            # routing takes the first lead it finds: a second one would make it a coin toss
            # rows saved together (a region's or unit's page) are checked by their formset, as the page has them
            other = (Responsibility.objects.filter(region_id=self.region_id, topic_id=self.topic_id, role=self.Role.LEAD)
                     .exclude(pk=self.pk).exclude(unit_id=self.unit_id).exclude(pk__in=self.rows_on_page)
                     .select_related("unit").first())
            if other:
                raise ValidationError({"role": f"{region.name} · {self.topic.name} 已有主办单位 {other.unit.name}; "
                                               "一个区划的一个领域只能有一个主办单位, 请修改那一行或把本行设为协办"})


def _has_cycle(obj, attr: str) -> bool:
    """Following ``attr`` up from ``obj`` comes back to ``obj`` (or to any loop)."""
    seen, node = {obj.pk}, getattr(obj, attr)
    while node is not None:
        if node.pk in seen:
            return True
        seen.add(node.pk)
        node = getattr(node, attr)
    return False
