"""The evaluative phrases a clarification statement must not carry: data, kept per province."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import administration
from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError, full_clean_or_refuse

from ..models import EvaluativePhrase


def may_edit_phrases(user, province_code: str) -> bool:
    return administration.administers_province(user, province_code)


@transaction.atomic
def phrase_save(*, actor: User, phrase: EvaluativePhrase) -> EvaluativePhrase:
    """Administrators of a provincial commission keep their province's list; every change is audited."""
    if not may_edit_phrases(actor, phrase.province_code):
        raise DomainError(_("Only an administrator of that province may edit its phrases."), code="forbidden")
    before = None
    if phrase.pk:
        stored = EvaluativePhrase.objects.select_for_update().get(pk=phrase.pk)
        if not may_edit_phrases(actor, stored.province_code):
            raise DomainError(_("Only an administrator of that province may edit its phrases."), code="forbidden")
        before = {"province": stored.province_code, "phrase": stored.phrase, "retired": stored.retired}
    phrase.phrase = (phrase.phrase or "").strip()
    full_clean_or_refuse(phrase)
    phrase.save()
    audit_record(
        actor=actor,
        action="clarification.phrase_update" if before else "clarification.phrase_create",
        target=phrase,
        before=before,
        province=phrase.province_code,
        phrase=phrase.phrase,
        retired=phrase.retired,
    )
    return phrase
