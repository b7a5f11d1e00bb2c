"""A select box rendered in Python: Django renders each option through the template engine, which made the
filter form (150 commissions and the choice lists) most of a list page's time (bench/results)."""

import html

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # A comprehension, not list(): list() asks a ModelChoiceIterator for its length, a COUNT query of its own.
        choices = [choice for choice in self.choices]
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's own rendering
        selected = {"" if v is None else str(v) for v in (value if isinstance(value, (list, tuple)) else [value])}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = []
        for option, label in choices:
            option = "" if option is None else str(option)
            mark = " selected" if option in selected else ""
            # The standard library's escape (Django's wraps it in a check for lazy strings): same output, here
            # called twice for each of up to 150 options.
            options.append(f'<option value="{html.escape(option)}"{mark}>{html.escape(str(label))}</option>')
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))


def fast_selects(form: forms.Form) -> None:
    """Render every single-choice select of the form with FastSelect."""
    for field in form.fields.values():
        if type(field.widget) is forms.Select:
            widget = FastSelect(attrs=field.widget.attrs, choices=field.widget.choices)
            widget.is_required = field.widget.is_required
            field.widget = widget
