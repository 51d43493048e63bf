"""Moderation aids (plain Python over plain text): personal data a citizen wrote into a
message, hidden wherever the message is public, and wording a dispatcher should look at
before accepting it (abuse, advertising).

The stored message keeps what the citizen wrote: the author, the dispatcher and the
handling units read it as it is; public pages, the public API, Open311 and public exports
show ``mask(text)``. See docs/moderation.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Each pattern: (label, regex). Order matters: an ID number must be tried before a bank
# card (both are long digit runs), a mobile number before a landline. An ID number is
# recognised by its shape (region, a plausible birth date, sequence, check character),
# not its check digit: a mistyped one is still someone's ID number.

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("身份证号", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")),
    ("银行卡号", re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{4}(?:[ -]?\d{1,3})?(?!\d)")),
    ("手机号", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    ("固定电话", re.compile(r"(?<!\d)0\d{2,3}[ -]\d{7,8}(?!\d)")),
    ("邮箱", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
]

ABUSE = ("傻逼", "傻b", "煞笔", "操你", "草你妈", "他妈的", "狗日", "王八蛋", "去死", "滚蛋", "混蛋", "畜生", "垃圾政府")
ADVERTISING = re.compile(r"https?://|www\.|加微信|加v信|加qq|加QQ|代开发票|刷单|贷款秒批", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    label: str  # 手机号, 身份证号, 不文明用语, 疑似广告, ...
    text: str  # what was found (for staff only)


def _hide(label: str, found: str) -> str:
    digits = re.sub(r"\D", "", found)
    if label == "邮箱":
        local, _, domain = found.partition("@")
        return f"{local[:1]}***@{domain}"
    if label == "身份证号":
        return found[:4] + "*" * (len(found) - 8) + found[-4:]
    if label == "手机号":
        return f"{digits[-11:-8]}****{digits[-4:]}"
    if label == "固定电话":
        area, _, number = re.split(r"([ -])", found, maxsplit=1)
        return f"{area}-****{number[-4:]}"
    return "*" * (len(digits) - 4) + digits[-4:]  # bank card: the last four


def personal_data(text: str | None) -> list[Finding]:
    """Personal data in ``text``, in order of appearance."""
    return [Finding(label, found) for label, found, _start, _end in _matches(text or "")]


def _matches(text: str) -> list[tuple[str, str, int, int]]:
    taken: list[tuple[int, int]] = []
    out = []
    for label, pattern in PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            out.append((label, m.group(), m.start(), m.end()))
    return sorted(out, key=lambda x: x[2])


def mask(text: str | None) -> str:
    """``text`` with personal data partly hidden: 139****1234, 6201**********123X."""
    text = text or ""
    parts, last = [], 0
    for label, found, start, end in _matches(text):
        parts += [text[last:start], _hide(label, found)]
        last = end
    return "".join(parts) + text[last:]


def review(title: str | None, body: str | None) -> list[Finding]:
    """What a dispatcher should know before accepting: personal data (it will be hidden on
    the public page), abusive words, advertising."""
    text = f"{title or ''}\n{body or ''}"
    findings = personal_data(text)
    lowered = text.lower()
    findings += [Finding("不文明用语", word) for word in ABUSE if word.lower() in lowered]
    findings += [Finding("疑似广告或链接", m.group()) for m in ADVERTISING.finditer(text)]
    return findings


def grouped(findings: list[Finding]) -> list[tuple[str, list[str]]]:
    """[(label, [distinct texts])] in order of first appearance, for a notice to staff."""
    out: dict[str, list[str]] = {}
    for f in findings:
        texts = out.setdefault(f.label, [])
        if f.text not in texts:
            texts.append(f.text)
    return list(out.items())
