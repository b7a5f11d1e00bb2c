"""The evaluative phrases a clarification statement must not carry: data, kept per province."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import administration
from accounts.models import User
from audit.services import audit_record
from core.errors import full_clean_or_refuse

from ..models import EvaluativePhrase


@transaction.atomic
def phrase_save(*, actor: User, phrase: EvaluativePhrase) -> EvaluativePhrase:
    """Administrators of a provincial commission keep their province's list; every change is audited."""
    stored = EvaluativePhrase.objects.select_for_update().get(pk=phrase.pk) if phrase.pk else None
    administration.check_keeps_province_data(
        actor,
        province=phrase.province_code,
        was=stored.province_code if stored else None,
        refusal=_("Only an administrator of that province may edit its phrases."),
    )
    before = {"province": stored.province_code, "phrase": stored.phrase, "retired": stored.retired} if stored else None
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
