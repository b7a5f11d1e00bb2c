"""Attachments: size and type checked on the content, stored under the private root, never public."""

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from core.errors import DomainError

from ..choices import AttachmentKind
from ..models import Attachment, Report

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# (extension, content type, check on the first bytes)
_ZIP = b"PK\x03\x04"
ALLOWED = {
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        lambda head: head.startswith(_ZIP),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", lambda head: head.startswith(_ZIP)),
    "txt": ("text/plain", None),
}


def max_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        try:
            data.decode("gb18030")
            return True
        except UnicodeDecodeError:
            return False


def check_upload(name: str, data: bytes) -> tuple[str, str]:
    """Return (safe name, content type) or refuse; the content must match what the name claims."""
    if len(data) > max_bytes():
        raise DomainError(
            _("“%(name)s” is too large: the limit is %(mb)s MB.") % {"name": name, "mb": max_bytes() // (1024 * 1024)},
            code="too_large",
        )
    if not data:
        raise DomainError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise DomainError(
            _("“%(name)s” is not an allowed type (PDF, image, Word, Excel or text).") % {"name": name},
            code="bad_type",
        )
    content_type, check = ALLOWED[extension]
    valid = _is_text(data) if check is None else check(data[:16])
    if not valid:
        raise DomainError(_("“%(name)s” does not contain what its name says it is.") % {"name": name}, code="bad_type")
    safe = "".join(ch for ch in name.replace("/", "_").replace("\\", "_") if ch.isprintable())[-150:]
    return safe or f"attachment.{extension}", content_type


def attachment_store(*, report: Report, name: str, data: bytes, kind: str, uploaded_by=None) -> Attachment:
    """Validate and store one file; the caller holds the transaction and writes the audit event."""
    safe_name, content_type = check_upload(name, data)
    if kind not in AttachmentKind.values:
        raise DomainError(_("Unknown attachment kind."), code="bad_kind")
    attachment = Attachment(
        report=report,
        kind=kind,
        original_name=safe_name,
        content_type=content_type,
        size=len(data),
        uploaded_by=uploaded_by,
    )
    attachment.file.save(safe_name, ContentFile(data), save=False)
    attachment.save()
    return attachment
