"""Where a message is, as each reader may read it (docs/security.md, *A message's position*).

A citizen who pressed 「使用我当前的位置」 at home sent their house to 6 decimal places (about 0.1 m).
Its author and the staff entitled to the case read that point; everyone else, in every output that
gives a position (``GET /api/v1/messages/{id}/``, Open311's requests), reads it rounded to 3 decimal
places (about 100 m: the street, not the door), by ``position_shown`` alone, so that no two outputs
round it differently and no pair of them narrows it down. The stored point is not changed.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from minsheng.accounts.roles import roles_of

PUBLIC_PLACES = 3
_STEP = Decimal(1).scaleb(-PUBLIC_PLACES)


def _shown(value, exact: bool) -> float | None:
    if value is None:
        return None
    value = Decimal(value)
    return float(value if exact else value.quantize(_STEP, rounding=ROUND_HALF_UP)) or 0.0  # not -0.0


def position_shown(message, exact: bool) -> tuple[float | None, float | None]:
    """(latitude, longitude) of ``message``: as stored for a reader entitled to it (``exact``), else
    rounded to ``PUBLIC_PLACES`` decimal places."""
    return _shown(message.latitude, exact), _shown(message.longitude, exact)


def reads_exact_position(user, message) -> bool:
    """Whether ``user`` may read ``message``'s position as sent: its author, and staff who may open the
    case (``Roles.staff_messages_q``: its units, its leader's office, its dispatchers and supervisors,
    admins)."""
    if message.latitude is None or user is None or not user.is_authenticated:
        return False
    if message.author_id == user.pk:
        return True
    roles = roles_of(user)
    if not roles.is_staff_member:
        return False
    from minsheng.board.models import Message

    return Message.objects.filter(roles.staff_messages_q(), pk=message.pk).exists()
