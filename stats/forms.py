from django import forms
from django.utils.translation import gettext_lazy as _

from .periods import Period

MONTH = forms.TextInput(attrs={"type": "month"})
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    """Only renders the period picker; stats.periods.parse_period reads and checks the parameters."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year")), ("range", _("Date range"))],
    )
    month = forms.CharField(label=_("Month"), required=False, widget=MONTH)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990, max_value=2100)
    quarter = forms.ChoiceField(
        label=_("Quarter"), required=False, choices=[("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")]
    )
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    scope = forms.ChoiceField(
        label=_("Counted over"),
        choices=[("subtree", _("This commission and all below it")), ("alone", _("This commission alone"))],
    )

    @classmethod
    def for_period(cls, period: Period, params, subtree: bool) -> "PeriodForm":
        initial = {
            "period": period.kind,
            "month": period.start.strftime("%Y-%m"),
            "year": period.start.year,
            "quarter": str((period.start.month - 1) // 3 + 1),
            "start": period.start,
            "end": period.end,
            "scope": "subtree" if subtree else "alone",
        }
        return cls(initial=initial)
