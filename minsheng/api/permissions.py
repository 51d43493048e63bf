"""Who may call what. Fine-grained rules (which unit, which region) live in
board.actions and accounts.roles; these classes only sort callers by audience."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from minsheng.accounts.roles import roles_of


class IsPerson(BasePermission):
    """A signed-in person (session or personal token), not an Open311 system key."""

    message = "请先登录或使用个人 API 令牌"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class IsStaffMember(IsPerson):
    message = "仅限工作人员 (办理单位、派单员、督办员)"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and roles_of(request.user).is_staff_member
