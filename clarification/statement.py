"""The clarification statement states the verification result only (DESIGN.md §2).

It is drafted from the listed allegations, and its free text is checked: a statement that names an
allegation outside the list (of this report, or another allegation about the same person) or carries an
overall evaluation of the person goes no further without the approving supervisor's override.
"""

import re

from django.utils.translation import gettext as _

from accounts.models import Commission
from cases.models import Allegation, Subject

# Used for a province that keeps no phrases of its own (clarification.models.EvaluativePhrase).
DEFAULT_EVALUATIVE_PHRASES = (
    "一贯表现",
    "一贯",
    "一向",
    "优秀",
    "表现突出",
    "表现良好",
    "清正廉洁",
    "廉洁自律",
    "好干部",
    "工作出色",
    "品行端正",
)
# Other allegations about the same person are checked too, the most recent ones first.
OTHER_REPORTS_LIMIT = 200
_WINDOW = 5
_NOISE = re.compile(r"[\s，。、；：“”‘’「」《》（）()!！?？,.;:'\"…-]+")


def _plain(text: str) -> str:
    return _NOISE.sub("", text or "")


def _runs(text: str) -> set[str]:
    """Every run of five characters of the text (the whole text when shorter): enough to tell a quotation."""
    text = _plain(text)
    size = min(_WINDOW, len(text))
    return {text[i : i + size] for i in range(len(text) - size + 1)} if text else set()


def mentions(statement: str, allegation_text: str, *, allowed: set[str] = frozenset()) -> bool:
    """Whether the statement repeats a run of the allegation's wording that is not also wording of a listed one."""
    haystack = _plain(statement)
    return any(run in haystack for run in _runs(allegation_text) - allowed)


def draft(*, commission, subject: Subject, allegations: list[Allegation]) -> str:
    listed = "、".join(f"“{a.text.strip().rstrip('。.')}”" for a in allegations)
    return _(
        "Upon verification by %(commission)s, the report that %(subject)s %(allegations)s is untrue. "
        "This is hereby clarified."
    ) % {"commission": commission.name, "subject": subject.name, "allegations": listed}


def evaluative_phrases(commission: Commission) -> list[str]:
    from .models import EvaluativePhrase

    province = commission.province_code()
    rows = list(EvaluativePhrase.objects.filter(province_code=province).values_list("phrase", "retired"))
    if not rows:
        return list(DEFAULT_EVALUATIVE_PHRASES)
    return [phrase for phrase, retired in rows if not retired]


def problems(*, statement: str, commission: Commission, report_id: int, subject: Subject, listed_ids) -> list[str]:
    """What takes the statement beyond its limits, each named; an empty list when it keeps to them."""
    found = []
    listed_ids = set(listed_ids)
    listed = list(Allegation.objects.filter(pk__in=listed_ids).values_list("text", flat=True))
    allowed = set().union(*(_runs(text) for text in listed)) if listed else set()
    same_report = Allegation.objects.filter(report_id=report_id).exclude(pk__in=listed_ids)
    same_person = (
        Allegation.objects.filter(subject=subject)
        .exclude(report_id=report_id)
        .exclude(pk__in=listed_ids)
        .order_by("-report_id", "-id")[:OTHER_REPORTS_LIMIT]
    )
    seen = set()
    for allegation in [*same_report.select_related("subject"), *same_person.select_related("subject")]:
        if allegation.pk in seen or not mentions(statement, allegation.text, allowed=allowed):
            continue
        seen.add(allegation.pk)
        found.append(
            _("It names an allegation that is not listed for clarification: “%(text)s” (%(who)s, %(finding)s).")
            % {
                "text": allegation.text[:60],
                "who": allegation.subject.name,
                "finding": allegation.get_finding_display() or _("no finding"),
            }
        )
    text = statement or ""
    matched = [phrase for phrase in evaluative_phrases(commission) if phrase and phrase in text]
    for phrase in matched:
        if any(phrase != other and phrase in other for other in matched):
            continue  # “一贯” inside “一贯表现”: name the longer phrase only
        found.append(
            _("“%(phrase)s” is an overall evaluation of the person; state the verification result only.")
            % {"phrase": phrase}
        )
    return found
