"""The organisation pages' forms. They check shapes and lengths; the domain actions check the rest
(the area, the tree, the rules for passwords) and their refusals come back as these forms' errors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityloop.core.audit_actions import AuditAction
from cityloop.core.models import Role, Unit, UnitKind


def role_choices() -> list[tuple[str, Any]]:
    return [(r.value, r.label) for r in Role]


class UnitCode(forms.CharField):
    """A unit given by its code (the form's ``clean_*`` turns it into the unit)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)


def unit_by_code(code: str) -> Unit:
    unit = Unit.objects.filter(code=code.strip()).first()
    if unit is None:
        raise forms.ValidationError(_("no unit has the code %(code)s"), params={"code": code})
    return unit


class UnitFilter(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *UnitKind.choices]
    )
    inactive = forms.BooleanField(label=_("Show inactive units"), required=False)


class UnitForm(forms.Form):
    parent = UnitCode(label=_("Parent unit code"))
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)

    def clean_parent(self) -> Unit:
        return unit_by_code(self.cleaned_data["parent"])


class UnitEditForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)


class MoveForm(forms.Form):
    parent = UnitCode(label=_("New parent unit code"))

    def clean_parent(self) -> Unit:
        return unit_by_code(self.cleaned_data["parent"])


class EndForm(forms.Form):
    on = forms.DateField(
        label=_("Ends on (blank: today)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    confirm = forms.BooleanField(label=_("I understand: its sub-units and their roles end too"))


class UserFilter(forms.Form):
    q = forms.CharField(label=_("Name, login or phone"), required=False, max_length=100)
    unit = forms.CharField(label=_("Unit code"), required=False, max_length=32)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices])
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("active", _("Active")), ("inactive", _("Deactivated")), ("all", _("All"))],
    )


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)


class UserForm(UserEditForm):
    username = forms.CharField(label=_("Login"), max_length=150)
    unit = UnitCode(label=_("Unit code"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    field_order = ["username", "display_name", "phone", "email", "unit", "role"]

    def clean_unit(self) -> Unit:
        return unit_by_code(self.cleaned_data["unit"])


class GrantForm(forms.Form):
    unit = UnitCode(label=_("Unit code"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    valid_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_unit(self) -> Unit:
        return unit_by_code(self.cleaned_data["unit"])


class PasswordForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=128,
    )
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
    )
    new_password2 = forms.CharField(
        label=_("New password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("the two new passwords differ"))
        return data


class RosterForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=_("Only check, import nothing"), required=False)


class AuditFilter(forms.Form):
    actor = forms.CharField(label=_("Actor (login)"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All actions")), *AuditAction.choices]
    )
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
