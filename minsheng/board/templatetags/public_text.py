"""``{{ message.body|public }}``: a citizen's text as the public may read it (personal
data partly hidden; minsheng/board/moderation.py)."""

from django import template

from minsheng.board.moderation import mask

register = template.Library()


@register.filter
def public(text):
    return mask(text)
