"""The clarification statement states the verification result only (DESIGN.md §2).

It is drafted from the listed allegations, and the reviewers see a warning where the text names an
allegation outside the list or sounds like an overall evaluation of the person.
"""

import re

from django.utils.translation import gettext as _

from cases.models import Allegation, Subject

# Phrases that evaluate the person as a whole, which a clarification must not do.
EVALUATIVE_PHRASES = ("一贯", "一向", "表现优秀", "表现良好", "清正廉洁", "廉洁自律", "好干部", "工作出色", "品行端正")
_WINDOW = 5
_NOISE = re.compile(r"[\s，。、；：“”‘’「」《》（）()!！?？,.;:'\"-]+")


def _plain(text: str) -> str:
    return _NOISE.sub("", text or "")


def mentions(statement: str, allegation_text: str) -> bool:
    """Whether the statement repeats a run of the allegation's wording (five characters are enough in Chinese)."""
    text, haystack = _plain(allegation_text), _plain(statement)
    if not text:
        return False
    size = min(_WINDOW, len(text))
    return any(text[i : i + size] in haystack for i in range(len(text) - size + 1))


def draft(*, commission, subject: Subject, allegations: list[Allegation]) -> str:
    listed = "、".join(f"“{a.text.strip().rstrip('。.')}”" for a in allegations)
    return _(
        "Upon verification by %(commission)s, the report that %(subject)s %(allegations)s is untrue. "
        "This is hereby clarified."
    ) % {"commission": commission.name, "subject": subject.name, "allegations": listed}


def warnings(*, statement: str, report_id: int, subject: Subject, listed_ids) -> list[str]:
    found = []
    listed_ids = set(listed_ids)
    others = Allegation.objects.filter(report_id=report_id).exclude(pk__in=listed_ids).select_related("subject")
    for allegation in others:
        if mentions(statement, allegation.text):
            found.append(
                _("The statement names an allegation that is not listed for clarification: “%(text)s” (%(who)s).")
                % {"text": allegation.text, "who": allegation.subject.name}
            )
    for phrase in EVALUATIVE_PHRASES:
        if phrase in (statement or ""):
            found.append(
                _("“%(phrase)s” reads as an overall evaluation of the person; state the verification result only.")
                % {"phrase": phrase}
            )
    return found
