"""Arguments the management commands share, as argparse types: a value that does not fit stops the command,
naming the argument."""

import argparse
import datetime


def year_month(value: str) -> datetime.date:
    """YYYY-MM, as the first day of that month."""
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"takes YYYY-MM, not {value}") from None


def commission_code(value: str):
    """The division code of a commission, as that commission."""
    from accounts.models import Commission

    commission = Commission.objects.filter(division_code=value).first()
    if commission is None:
        raise argparse.ArgumentTypeError(f"no commission has the division code {value}")
    return commission
