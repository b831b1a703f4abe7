"""Form pieces shared by the apps' pages and the admin."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from .timefmt import canonical_time_zone
from .timezones import available_time_zones, is_valid_time_zone


class TimeZoneChoiceField(forms.ChoiceField):
    """A zone from the picker. A legacy alias sent in (Asia/Calcutta, as some browsers report it) is
    read as its current name, which the picker offers."""

    def __init__(self, *, current: str = "", **kwargs):
        choices = [(zone, zone.replace("_", " ")) for zone in available_time_zones()]
        current = canonical_time_zone(current)
        if is_valid_time_zone(current) and current not in available_time_zones():
            # A zone outside the list (staff set Etc/GMT+5): still selected, so saving keeps it.
            choices.append((current, current.replace("_", " ")))
        kwargs.setdefault("widget", forms.Select(attrs={"data-zone-combobox": ""}))  # searchable: zone-combobox.js
        super().__init__(choices=choices, **kwargs)

    def prepare_value(self, value):  # a row saved under an old name shows its current one selected
        return canonical_time_zone(value) if isinstance(value, str) else value

    def to_python(self, value):
        return canonical_time_zone(super().to_python(value))


if TYPE_CHECKING:  # the mixin's super() is the ModelAdmin it is mixed into
    from django.contrib.admin import ModelAdmin

    _AdminBase = ModelAdmin[Any]
else:
    _AdminBase = object


class TimeZoneAdminMixin(_AdminBase):
    """A ModelAdmin whose model has `time_zone`: edited with the picker, stored canonical."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "time_zone" in form.base_fields:
            form.base_fields["time_zone"] = TimeZoneChoiceField(current=obj.time_zone if obj else "",
                                                                label="Time zone")
        return form


class PlainTextAdminMixin(_AdminBase):
    """Admin forms keep the text fields named in `plain_text_fields` (name → several lines?) as the
    services do: core.text.plain_text, which strips the invisible characters a name could hide behind."""
    plain_text_fields: dict[str, bool] = {}

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The ModelAdmin builds a new form class on each call; its clean() is wrapped in place. A
        # subclass would be rebuilt by ModelFormMetaclass from the model, losing the fields another
        # mixin replaced (the time-zone picker).
        form_class = super().get_form(request, obj, change=change, **kwargs)
        fields, original_clean = self.plain_text_fields, form_class.clean

        def clean(form):
            cleaned = original_clean(form)
            if cleaned is None:  # a clean() may return nothing and keep cleaned_data
                cleaned = form.cleaned_data
            from .text import plain_text
            for name, multiline in fields.items():
                if isinstance(cleaned.get(name), str):
                    cleaned[name] = plain_text(cleaned[name], multiline=multiline)
                    if not cleaned[name] and form.fields[name].required:
                        form.add_error(name, "Only invisible characters were given.")
            return cleaned

        form_class.clean = clean  # type: ignore[method-assign]  # this call's own class, built just above
        return form_class
