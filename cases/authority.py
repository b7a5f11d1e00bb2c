"""Cadre management authority (干部管理权限): which commission approves decisions about a subject."""

from accounts.models import Commission, CommissionLevel

from .choices import Rank, SubjectKind
from .models import Subject

# A county-level commission manages officials up to the township-section level; officials at the
# county-division level of a county are managed one level up (the city), and so on.
_MANAGED_ONE_LEVEL_UP = {
    CommissionLevel.COUNTY: {Rank.COUNTY_DIVISION, Rank.DEPARTMENT_BUREAU, Rank.PROVINCIAL_MINISTERIAL},
    CommissionLevel.MUNICIPAL: {Rank.DEPARTMENT_BUREAU, Rank.PROVINCIAL_MINISTERIAL},
    CommissionLevel.PROVINCIAL: {Rank.PROVINCIAL_MINISTERIAL},
}


def managing_commission(subject: Subject) -> Commission:
    home = subject.commission
    if subject.kind == SubjectKind.ORGANISATION or not subject.rank:
        return home
    current = home
    while current.parent_id and subject.rank in _MANAGED_ONE_LEVEL_UP.get(current.level, set()):
        current = current.parent
    return current
