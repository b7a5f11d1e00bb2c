"""Form behaviour shared by every app."""

from django import forms


def only_choice(field: forms.Field):
    """The value of a choice field's single possible choice, or None when there are none or several."""
    if isinstance(field, forms.ModelChoiceField) and not isinstance(field, forms.ModelMultipleChoiceField):
        found = list(field.queryset.values_list("pk", flat=True)[:2])
        return found[0] if len(found) == 1 else None
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        values = [value for value, _label in field.choices if value not in ("", None)]
        return values[0] if len(values) == 1 else None
    return None


class PreselectSingleChoice:
    """A required select with one possible choice comes with that choice selected: nobody should have to pick the
    only city or commission in their reach (issue 16).

    It works at render time (Form.get_initial_for_field), so a form may narrow its querysets in __init__ after
    super().__init__(), as ours do; the choices themselves, and their validation, stay the field's.
    """

    def get_initial_for_field(self, field, field_name):
        value = super().get_initial_for_field(field, field_name)
        if value in (None, "") and field.required:
            only = only_choice(field)
            if only is not None:
                return only
        return value
