"""Staff console for system settings and validation rules.

Super admins change values (typed, validated, audited through `setting_update`); support and
billing admins may only look (view permission from their staff role).
"""

import json
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.staff_roles import is_super_admin

from .models import AppSetting, SettingType, ValidationRule
from .services import setting_update, setting_validate
from .validation import validate_value


def _as_text(value_type: str, value: Any) -> str:
    if value is None:
        return ""
    if value_type == SettingType.BOOLEAN:
        return "true" if value else "false"
    if value_type == SettingType.JSON:
        return json.dumps(value, indent=2)
    return str(value)


SETTING_FIELDS = ["key", "value_type", "category", "description", "min_value", "max_value", "regex", "choices",
                  "is_public"]  # fmt: skip


class AppSettingForm(forms.ModelForm):
    typed_value = forms.CharField(
        label="Value", required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Integers and decimals as numbers, booleans as true/false, JSON as JSON.",
    )  # fmt: skip

    class Meta:
        model = AppSetting
        fields = SETTING_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["typed_value"].initial = _as_text(self.instance.value_type, self.instance.value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_pattern(self, "regex", cleaned.get("regex") or "")
        if self.errors:
            return cleaned
        probe = AppSetting(**{name: cleaned.get(name, getattr(self.instance, name)) for name in SETTING_FIELDS})
        if not probe.key or not probe.value_type:
            return cleaned
        try:
            cleaned["typed_value"] = setting_validate(probe, cleaned.get("typed_value", ""))
        except ValidationError as exc:
            self.add_error("typed_value", exc)
        return cleaned


@admin.register(AppSetting)
class AppSettingAdmin(SimpleHistoryAdmin):
    form = AppSettingForm
    list_display = ["key", "category", "value_type", "shown_value", "is_public", "updated_at", "updated_by"]
    list_filter = ["category", "value_type", "is_public"]
    search_fields = ["key", "description"]
    list_select_related = ["updated_by"]
    readonly_fields = ["updated_at", "updated_by"]
    show_full_result_count = False

    @admin.display(description="Value")
    def shown_value(self, obj: AppSetting) -> str:
        text = _as_text(obj.value_type, obj.value)
        return text if len(text) <= 60 else text[:57] + "..."

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The key and type of an existing setting are fixed: code reads them.
        return [*self.readonly_fields, "key", "value_type"] if obj else list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # code falls back to defaults silently; keep every row visible instead

    def save_model(self, request: HttpRequest, obj: AppSetting, form: Any, change: bool) -> None:
        setting_update(setting=obj, value=form.cleaned_data["typed_value"], acting_user=request.user)


class ValidationRuleForm(forms.ModelForm):
    test_value = forms.CharField(
        required=False, help_text="Optional: a value this rule must accept (e.g. the example)."
    )

    class Meta:
        model = ValidationRule
        fields = ["country_code", "kind", "name", "provider", "pattern", "message", "example", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        provider = cleaned.get("provider") or ""
        if provider.startswith("stdnum:"):
            try:
                __import__(f"stdnum.{provider.removeprefix('stdnum:')}")
            except ImportError:
                self.add_error("provider", f"python-stdnum has no module {provider.removeprefix('stdnum:')}.")
        elif provider not in ("regex", "phonenumbers", "email"):
            self.add_error("provider", 'Use "phonenumbers", "regex", "email" or "stdnum:<module>".')
        if provider == "regex":
            _check_pattern(self, "pattern", cleaned.get("pattern") or "", required=True)
        return cleaned


def _check_pattern(form: forms.BaseForm, field: str, pattern: str, *, required: bool = False) -> None:
    if required and not pattern:
        form.add_error(field, "A regex rule needs a pattern.")
        return
    try:
        re.compile(pattern)
    except re.error as exc:
        form.add_error(field, f"Not a valid regular expression: {exc}.")


@admin.register(ValidationRule)
class ValidationRuleAdmin(SimpleHistoryAdmin):
    form = ValidationRuleForm
    list_display = ["country_code", "kind", "name", "provider", "pattern", "example", "is_active"]
    list_filter = ["kind", "provider", "is_active", "country_code"]
    search_fields = ["country_code", "name", "provider"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_super_admin(request.user)

    def save_model(self, request: HttpRequest, obj: ValidationRule, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        test_value = form.cleaned_data.get("test_value")
        if test_value:
            try:
                validate_value(obj.country_code, obj.kind, test_value)
                self.message_user(request, f"{test_value!r} passes the rules for {obj.country_code} {obj.kind}.")
            except ValidationError as exc:
                self.message_user(request, f"{test_value!r} fails: {' '.join(exc.messages)}", level="warning")
