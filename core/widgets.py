"""A select box rendered in Python: Django renders each option through the template engine, which made the
filter form (150 commissions and the choice lists) most of a list page's time (bench/results)."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's own rendering
        selected = {"" if v is None else str(v) for v in (value if isinstance(value, (list, tuple)) else [value])}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                ("" if option is None else option, " selected" if str(option) in selected else "", label)
                for option, label in choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


def fast_selects(form: forms.Form) -> None:
    """Render every single-choice select of the form with FastSelect."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget.is_required = field.widget.is_required
            field.widget = widget
