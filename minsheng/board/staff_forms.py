"""Forms of the staff workbench. Every form that changes a message carries the
message's ``version`` so that a form loaded before someone else acted is refused
with the Conflict message instead of overwriting their work."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import ErrorDict
from django.urls import reverse

from minsheng.directory.models import Topic, Unit, topic_tree
from minsheng.insight.text import han_ratio

from .actions import (
    INVALID_CHOICE,
    NO_CHINESE_REPLY,
    NO_WORDS_NOTE,
    NO_WORDS_REASON,
    REASON_MAX_CHARS,
    REPLY_MAX_CHARS,
    unit_staff,
)
from .forms import CountedField, Textarea, refuse_keys_past_integers, require_words
from .models import MessageKind

# emoji or punctuation alone are no reason: refused in the words the actions refuse it in, for the API
REASON_WORDS = require_words("理由", NO_WORDS_REASON)


class VersionedForm(forms.Form):
    bound_field_class = CountedField  # a limit in characters, as the server counts

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # labels sit above the fields
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0,
                                 error_messages={"required": "表单已失效, 请刷新页面后重试",
                                                 "invalid": "表单已失效, 请刷新页面后重试"})

    def full_clean(self):
        super().full_clean()
        # a hidden field's error is shown as 「(隐藏字段 version) …」: the form's own error instead
        # (first, as it was: a stale form is refreshed before anything else is corrected)
        if self._errors and "version" in self._errors:
            stale = self.error_class(self._errors.pop("version"), error_class="nonfield", renderer=self.renderer)
            stale.extend(self._errors.pop(NON_FIELD_ERRORS, []))
            self._errors = ErrorDict({NON_FIELD_ERRORS: stale, **self._errors}, renderer=self.renderer)


class SignForm(VersionedForm):
    pass


class AcceptForm(VersionedForm):
    pass


class ReplyForm(VersionedForm):
    body = forms.CharField(label="答复内容", min_length=10, max_length=REPLY_MAX_CHARS,
                           widget=Textarea(attrs={"rows": 8}),
                           error_messages={"required": "请填写答复内容", "min_length": "答复内容至少 10 个字",
                                           "max_length": f"答复内容不能超过 {REPLY_MAX_CHARS} 字"},
                           help_text=f"10 至 {REPLY_MAX_CHARS} 字")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # no maxlength on the textarea: a pasted reply over the limit was cut there without a word
        # (the contact number at its end lost) and published so; the form says it is too long instead
        self.fields["body"].widget.attrs.pop("maxlength", None)

    def clean_body(self):
        # a reply pasted in English (or digits alone) was published to a Chinese board, scored
        # 10 with reasons in Chinese but never refused
        body = self.cleaned_data["body"]
        if not han_ratio(body):
            raise ValidationError(NO_CHINESE_REPLY)  # do_reply's rule, said in the preview too
        return body


class ReasonForm(VersionedForm):
    reason = forms.CharField(label="理由", max_length=REASON_MAX_CHARS, widget=Textarea(attrs={"rows": 2}),
                             validators=[REASON_WORDS],
                             error_messages={"required": "请填写理由", "max_length": f"理由不能超过 {REASON_MAX_CHARS} 字"})


class ReturnForm(ReasonForm):
    pass


class RejectForm(ReasonForm):
    # the citizen reads it on their page as stored (Message.reject_reason holds 200, as the API takes)
    reason = forms.CharField(label="理由", max_length=200, widget=Textarea(attrs={"rows": 2}),
                             validators=[REASON_WORDS],
                             error_messages={"required": "请填写理由", "max_length": "不予受理的理由不能超过 200 字"})


class TransferForm(ReasonForm):
    field_order = ["version", "to_unit", "reason"]
    # the empty choice in words: Django's 「---------」 read as a broken list
    to_unit = forms.ModelChoiceField(label="转办至", queryset=Unit.objects.none(), empty_label="请选择转办单位",
                                     error_messages={"required": "请选择转办单位",
                                                     "invalid_choice": "请选择有效的办理单位"})

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units if units is not None else Unit.objects.filter(is_active=True)


class ExtensionForm(VersionedForm):
    days = forms.IntegerField(label="延期工作日", min_value=1, max_value=30,
                              error_messages={"required": "请填写延期天数", "invalid": "延期天数应为整数",
                                              "min_value": "延期天数应为 1 至 30 个工作日",
                                              "max_value": "延期天数应为 1 至 30 个工作日"})
    reason = forms.CharField(label="延期理由", max_length=300, widget=Textarea(attrs={"rows": 2}), validators=[REASON_WORDS],
                             error_messages={"required": "请填写延期理由", "max_length": "理由不能超过 300 字"})


def _note_field(label: str, help_text: str = "") -> forms.CharField:
    """The body of a note for staff (协办意见, 内部备注: actions._staff_note)."""
    return forms.CharField(label=label, max_length=2000, widget=Textarea(attrs={"rows": 3}), help_text=help_text,
                           validators=[require_words(label, NO_WORDS_NOTE)],
                           error_messages={"required": f"请填写{label}", "max_length": f"{label}不能超过 2000 字"})


class AssistNoteForm(VersionedForm):
    body = _note_field("协办意见")


class InternalNoteForm(VersionedForm):
    body = _note_field("内部备注", "仅工作人员可见: 不公开, 不告知留言人")


class SuperviseForm(VersionedForm):
    note = forms.CharField(label="督办意见", max_length=300, widget=Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写督办意见", "max_length": "督办意见不能超过 300 字"})


class StaffField(forms.ModelChoiceField):
    """One of a unit's people by id; an id past the database's integers is not one of them (the
    lookup would overflow on SQLite: a 500)."""

    def to_python(self, value):
        digits = str(value or "").strip().lstrip("-")  # ASCII only: int() refuses ², which isdigit() takes
        if digits.isascii() and digits.isdigit() and int(digits) > 2**63 - 1:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class AssignHandlerForm(VersionedForm):
    """指派承办人: the head of the unit picks one of its officers. ``assignment``: the unit's share of
    the case the user may give out (actions.assignable), whose people are the choices; cleaned
    data hold it. Its ``version`` is not compared (actions.do_assign_handler): ``seen``, the
    承办人 the page showed, is."""

    handler = StaffField(label="承办人", queryset=None, empty_label="请选择本单位的承办人员",
                         error_messages={"required": "请选择承办人",
                                         "invalid_choice": "所选的人不是本单位的工作人员, 请选择本单位的承办人员"})

    # which of the units the head heads that hold the case (a head of the lead and an assisting
    # unit has a form for each); read by the view before the form (staff.case_action)
    unit = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # the 承办人 the page showed (empty: 未指派); another one meanwhile is a conflict, not overwritten
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1,
                              error_messages={"invalid": "表单已失效, 请刷新页面后重试",
                                              "min_value": "表单已失效, 请刷新页面后重试"})

    def __init__(self, *args, assignment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.fields["handler"].queryset = unit_staff(assignment.unit)

    def clean(self):
        return {**super().clean(), "assignment": self.assignment}


class UnitsField(forms.ModelMultipleChoiceField):
    """Several units by id. An id past the database's integers is an invalid choice, checked here
    (``forms.refuse_keys_past_integers``, which board/admin.py also gives every box of several rows when the admin
    loads): the ``IN`` query of Django's own check would overflow (a 500 on SQLite)."""

    def _check_values(self, value):
        refuse_keys_past_integers(self, value)
        return super()._check_values(value)


class DispatchForm(VersionedForm):
    lead = forms.ModelChoiceField(label="主办单位", queryset=Unit.objects.none(), empty_label="请选择主办单位",
                                  error_messages={"required": "请选择主办单位",
                                                  "invalid_choice": "请选择有效的主办单位"})
    assists = UnitsField(label="协办单位(可多选)", queryset=Unit.objects.none(), required=False,
                                             widget=forms.SelectMultiple(attrs={"size": 4}),
                                             error_messages={"invalid_choice": "请选择有效的协办单位",
                                                             "invalid_pk_value": "请选择有效的协办单位"})
    topic = forms.ModelChoiceField(label="领域", queryset=Topic.objects.filter(is_active=True), required=False,
                                   error_messages={"invalid_choice": INVALID_CHOICE["topic"]})
    kind = forms.ChoiceField(label="留言类型", choices=[("", "(不变)"), *MessageKind.choices], required=False,
                             error_messages={"invalid_choice": INVALID_CHOICE["kind"]})
    # what the form suggested the units for (views.dispatch_suggest): the 领域 (a topic id, "" 不变) and
    # the lead and assisting units preselected for it (ids, the assisting ones comma-separated). A unit
    # other than these was chosen by hand, and a new 领域 does not replace it; a 领域 other than this one
    # with the units still these is a 派单 refused, the units suggested again (docs/routing.md)
    shown_topic = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    shown_lead = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    shown_assists = forms.CharField(widget=forms.HiddenInput, required=False, max_length=400)

    def __init__(self, *args, units=None, message=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = units if units is not None else Unit.objects.filter(is_active=True)
        self.fields["lead"].queryset = qs
        self.fields["assists"].queryset = qs
        self.fields["topic"].choices = [("", _keep_label(message, "topic"))] + [(t.pk, t.indent + t.name) for t in topic_tree()]
        self.fields["kind"].choices = [("", _keep_label(message, "kind")), *MessageKind.choices]
        if message is not None and getattr(message, "public_id", None):
            # htmx: a 领域 chosen asks for the units the responsibility table gives it (the form comes back
            # whole, a unit chosen by hand kept); without scripts, 「按所选领域重新建议」 does it. Its buttons
            # wait for them: a 派单 sent before would carry the old units, and be refused
            self.fields["topic"].widget.attrs.update({
                "hx-post": reverse("board:dispatch_suggest", args=[message.public_id]), "hx-trigger": "change",
                "hx-target": "#dispatch-form", "hx-swap": "outerHTML", "hx-disabled-elt": "#dispatch-form button",
                # a request that hangs gives the buttons back after 15 s (htmx has no timeout of its own)
                "hx-request": '{"timeout": 15000}'})


def _keep_label(message, field: str) -> str:
    """The empty choice of 领域 / 留言类型 keeps what the message has: say what that is. A bare
    「(不变)」 on a message with no topic read as if it had one."""
    if message is None:
        return "(不变)"
    if field == "topic":
        return f"(不变: {message.topic.name})" if message.topic else "(未分类, 请选择)"
    return f"(不变: {message.get_kind_display()})"


class MergeForm(VersionedForm):
    into = forms.CharField(label="并入的留言编号", max_length=20, required=False,
                           error_messages={"max_length": "留言编号不能超过 20 个字符"})

    def clean(self):
        data = super().clean()
        # ``pick``: a radio button of the listed near-duplicates (the page renders them itself); one
        # holding a NUL is no case number (PostgreSQL refuses it in the lookup), as a ticked one (_ticked)
        pick = str(self.data.get("pick") or "").strip()[:20]
        into = (data.get("into") or "").strip() or ("" if "\x00" in pick else pick)
        if not into and not self.errors:
            self.add_error("into", "请选择或填写要并入的留言编号")
        data["into"] = into
        return data


class DecideExtensionForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    decision = forms.ChoiceField(label="审批", choices=[("approve", "同意延期"), ("refuse", "不同意")],
                                 error_messages={"required": "请选择同意或不同意",
                                                 "invalid_choice": "请选择同意或不同意"})
    note = forms.CharField(label="审批意见", max_length=300, required=False,
                           error_messages={"max_length": "审批意见不能超过 300 字"})
