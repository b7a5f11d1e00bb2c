"""Shared checks of the clarification services (defined once in core.validation)."""

from core.validation import add_months, refuse_future, require_text

__all__ = ["add_months", "refuse_future", "require_text"]
