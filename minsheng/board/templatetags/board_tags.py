from django import template
from django.forms.utils import flatatt

from minsheng.board.forms import max_chars_attrs

register = template.Library()


@register.simple_tag
def max_chars(limit):
    """The limit of a text box or input written out in a template, as ``forms.CountedField`` gives a form's:
    ``{% max_chars 300 %}`` is ` data-max-chars="300" maxlength="600"` (``forms.max_chars_attrs``)."""
    return flatatt(max_chars_attrs(int(limit)))
