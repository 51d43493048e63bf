"""Who receives messages: regions, units, addressees, topics and the responsibility
table that routes (region × topic) to a lead unit and assisting units."""

from __future__ import annotations

from django.db import models


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
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    prefix = models.CharField(max_length=12, db_index=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.prefix = self.prefix_for(self.code, self.level)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "prefix"}
        super().save(*args, **kwargs)

    @staticmethod
    def prefix_for(code: str, level: int) -> str:
        return {1: code[:2], 2: code[:4], 3: code[:6]}.get(level, code)

    def ancestors(self) -> list[Region]:
        """This region and its parents, nearest first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def contains(self, other: Region) -> bool:
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
    parent = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="children")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = verbose_name_plural = "办理单位"

    def __str__(self) -> str:
        return self.name


class Addressee(models.Model):
    """A leader's office a message can be addressed to (留言对象), e.g. 兰州市市长."""

    title = models.CharField("称谓", max_length=50)
    region = models.ForeignKey(Region, models.PROTECT, related_name="addressees")
    unit = models.ForeignKey(Unit, models.SET_NULL, null=True, blank=True, related_name="addressees",
                             help_text="the office that receives messages addressed here")
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["region__code", "sort", "title"]
        unique_together = [("region", "title")]
        verbose_name = verbose_name_plural = "留言对象"

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    """A node of the editable topic hierarchy (领域)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children")
    keywords = models.CharField("关键词", max_length=300, blank=True)
    sort = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = verbose_name_plural = "领域"

    def __str__(self) -> str:
        return self.name

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


class Responsibility(models.Model):
    """权责清单 row: in ``region`` (and its whole subtree unless a lower region has its
    own rows for the topic) messages on ``topic`` go to ``unit`` as lead or assist."""

    class Role(models.TextChoices):
        LEAD = "lead", "主办"
        ASSIST = "assist", "协办"

    region = models.ForeignKey(Region, models.CASCADE, related_name="responsibilities")
    topic = models.ForeignKey(Topic, models.CASCADE, related_name="responsibilities")
    unit = models.ForeignKey(Unit, models.CASCADE, related_name="responsibilities")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.LEAD)

    class Meta:
        unique_together = [("region", "topic", "unit")]
        verbose_name = verbose_name_plural = "权责清单"

    def __str__(self) -> str:
        return f"{self.region} · {self.topic} → {self.unit} ({self.get_role_display()})"
