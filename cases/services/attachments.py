"""Attachments: size and type checked on the content, stored under the private root, never public.

Uploaded files arrive in temporary files on disk (FILE_UPLOAD_MAX_MEMORY_SIZE is small): the size is checked
without reading, the type on the first bytes (text files chunk by chunk), and storage copies or moves the file
in chunks, so no file is ever held whole in memory.
"""

import codecs
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _

from core.errors import DomainError

from ..choices import AttachmentKind
from ..models import Attachment, Report

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
HEAD_BYTES = 16

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


@dataclass
class Upload:
    """One file to store: an uploaded file (`file`, read in chunks), or bytes given by code (`data`)."""

    name: str
    data: bytes | None = None
    kind: str = AttachmentKind.REPORT
    file: File | None = None

    def open(self) -> File:
        if self.file is None:
            self.file = ContentFile(self.data or b"", name=self.name)
        return self.file


def max_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def too_large_message(name: str) -> str:
    return _("“%(name)s” is too large: the limit is %(mb)s MB.") % {"name": name, "mb": max_bytes() // (1024 * 1024)}


def empty_message(name: str) -> str:
    return _("“%(name)s” is empty.") % {"name": name}


def bad_type_message(name: str) -> str:
    return _("“%(name)s” is not an allowed type (PDF, image, Word, Excel or text).") % {"name": name}


def too_many_message() -> str:
    return _("Attach at most %(count)s files.") % {"count": settings.MAX_UPLOAD_FILES}


def browser_check() -> dict[str, str]:
    """The same rules as data- attributes of a file field, so the page checks a chosen file before it is sent
    (static/js/file-check.js); {name} in a message stands for the file's name. The content is checked here only."""
    return {
        "accept": ",".join(f".{extension}" for extension in ALLOWED),
        "data-max-bytes": str(max_bytes()),
        "data-max-files": str(settings.MAX_UPLOAD_FILES),
        "data-too-large": too_large_message("{name}"),
        "data-empty": empty_message("{name}"),
        "data-bad-type": bad_type_message("{name}"),
        "data-too-many": too_many_message(),
    }


def _is_text(file: File) -> bool:
    """UTF-8 or GB18030 text without NUL bytes, decoded chunk by chunk."""
    decoders = [codecs.getincrementaldecoder(encoding)() for encoding in ("utf-8", "gb18030")]
    for chunk in file.chunks():
        if b"\x00" in chunk:
            return False
        decoders = [decoder for decoder in decoders if _decodes(decoder, chunk)]
        if not decoders:
            return False
    return any(_decodes(decoder, b"", final=True) for decoder in decoders)


def _decodes(decoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def check_upload(upload: Upload) -> tuple[str, str]:
    """Return (safe name, content type) or refuse; the content must match what the name claims."""
    name, file = upload.name, upload.open()
    if file.size > max_bytes():
        raise DomainError(too_large_message(name), code="too_large")
    if not file.size:
        raise DomainError(empty_message(name), code="empty")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED:
        raise DomainError(bad_type_message(name), code="bad_type")
    content_type, check = ALLOWED[extension]
    file.seek(0)
    valid = _is_text(file) if check is None else check(file.read(HEAD_BYTES))
    file.seek(0)
    if not valid:
        raise DomainError(_("“%(name)s” does not contain what its name says it is.") % {"name": name}, code="bad_type")
    safe = "".join(ch for ch in name.replace("/", "_").replace("\\", "_") if ch.isprintable())[-150:]
    return safe or f"attachment.{extension}", content_type


def check_uploads(uploads) -> None:
    """Check every file before anything is written, so one bad file refuses them all and stores none."""
    for upload in uploads:
        check_upload(upload)


def attachment_store(*, report: Report, upload: Upload, kind: str | None = None, uploaded_by=None) -> Attachment:
    """Validate and store one file; the caller holds the transaction and writes the audit event."""
    safe_name, content_type = check_upload(upload)
    kind = kind or upload.kind
    if kind not in AttachmentKind.values:
        raise DomainError(_("Unknown attachment kind."), code="bad_kind")
    file = upload.open()
    attachment = Attachment(
        report=report,
        kind=kind,
        original_name=safe_name,
        content_type=content_type,
        size=file.size,
        uploaded_by=uploaded_by,
    )
    attachment.file.save(safe_name, file, save=False)  # storage copies (or moves) the file in chunks
    attachment.save()
    return attachment
