"""The page where a signed-in user creates and revokes personal API tokens. A new
token's key is shown once, in the response to the POST that created it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from minsheng.board.forms import NUL_CHARACTERS

from .models import ApiToken

MAX_ACTIVE_TOKENS = 20


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # HEAD as GET (was a 405)
def tokens(request):
    new_key, error, name, scope = None, None, "", ApiToken.Scope.READ  # 只读 unless 读写 is chosen
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        scope = request.POST.get("scope") or ApiToken.Scope.READ
        active = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).count()
        if not name:
            error = "请给令牌起个名字 (例如: 我的脚本)"
        elif "\x00" in name:
            error = "名称" + NUL_CHARACTERS
        elif len(name) > 60:  # a page without scripts takes 120 (forms.max_chars_attrs)
            error = f"名称最多 60 个字 (现在 {len(name)} 个)"
        elif scope not in ApiToken.Scope.values:
            error, scope = "请选择令牌的权限: 只读或读写", ApiToken.Scope.READ
        elif active >= MAX_ACTIVE_TOKENS:
            error = f"最多同时保留 {MAX_ACTIVE_TOKENS} 个有效令牌, 请先撤销不用的令牌"
        else:
            _, new_key = ApiToken.issue(request.user, name, scope)
    # the tokens in use first (a null revoked_at: first on SQLite, last on PostgreSQL unless told), the newest first
    rows = ApiToken.objects.filter(user=request.user).order_by(F("revoked_at").asc(nulls_first=True), "-created_at",
                                                               "-id")
    status = 400 if error else 200
    # a name refused is shown again to shorten (one with NUL characters is not: the page cannot hold them)
    kept = name if error and "\x00" not in name else ""
    return render(request, "api/tokens.html", {"tokens": rows, "new_key": new_key, "error": error, "name": kept,
                                                   "scope": scope, "scopes": ApiToken.Scope.choices},
                  status=status)


@login_required
def revoke_token(request, pk):
    if request.method != "POST":  # the address of a post that met the login page (session run out)
        return redirect("api:tokens")
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"令牌「{token.name}」已撤销, 使用它的程序将无法再访问")
    return redirect("api:tokens")
