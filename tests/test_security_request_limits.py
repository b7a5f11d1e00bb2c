"""Issue 12, item 9: request bodies are limited before anything parses them, and uploads never sit in memory.

Before, an anonymous 300 MB POST to the public form was read and parsed in full, and the staff "add files"
action read whole files into memory. The bodies here are made on the fly by a stream that counts what the
server read from it, so a 300 MB attack costs the test nothing and proves how much the server consumed.
"""

import json
import sys
import time
import tracemalloc
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import Client, ClientHandler
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditEvent
from cases.models import Attachment, Report

from . import test_public_intake as public
from .cases_helpers import register
from .test_public_intake import submit

# The public form's client (an address of its own) and a fresh cache namespace, as in test_public_intake.
client = public.client
fresh_cache = public.fresh_cache

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PDF_HEAD = b"%PDF-1.4\n"


class Body:
    """A request body produced on demand from parts (bytes, or a size filled with a PDF-looking pattern).

    `consumed` is how many bytes the server read: the proof that a refused body was never read.
    """

    FILL = (b"0123456789abcdef" * 4096)[: 64 * 1024]

    def __init__(self, parts):
        self.parts = [part if isinstance(part, bytes) else int(part) for part in parts]
        self.length = sum(len(p) if isinstance(p, bytes) else p for p in self.parts)
        self.consumed = 0
        self._index = 0
        self._offset = 0

    def read(self, size=-1):
        out = []
        wanted = self.length if size is None or size < 0 else size
        while wanted > 0 and self._index < len(self.parts):
            part = self.parts[self._index]
            part_length = len(part) if isinstance(part, bytes) else part
            take = min(wanted, part_length - self._offset, 64 * 1024)
            if isinstance(part, bytes):
                out.append(part[self._offset : self._offset + take])
            else:
                start = self._offset % len(self.FILL)
                piece = self.FILL[start : start + take]
                out.append(piece + self.FILL[: take - len(piece)])
            self._offset += take
            wanted -= take
            if self._offset == part_length:
                self._index, self._offset = self._index + 1, 0
        data = b"".join(out)
        self.consumed += len(data)
        return data

    def readline(self, size=-1):
        line = b""
        while not line.endswith(b"\n") and (size < 0 or len(line) < size):
            byte = self.read(1)
            if not byte:
                break
            line += byte
        return line


def multipart(fields: dict, files: list) -> tuple[str, Body]:
    """A multipart/form-data body; each file is (field, name, size) and starts like a PDF."""
    boundary = f"----limits{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for field, filename, size in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        parts += [head, PDF_HEAD, size - len(PDF_HEAD), b"\r\n"]
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", Body(parts)


def send(path, body: Body, content_type: str, *, length="auto", cookies: Client | None = None, **extra):
    """POST straight into the WSGI handler (as gunicorn would), with the body as wsgi.input."""
    environ = (cookies or Client())._base_environ(
        PATH_INFO=path,
        REQUEST_METHOD="POST",
        CONTENT_TYPE=content_type,
        REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}",
        **extra,
    )
    environ["wsgi.input"] = body
    if length == "auto":
        environ["CONTENT_LENGTH"] = str(body.length)
    elif length is None:
        environ.pop("CONTENT_LENGTH", None)
    else:
        environ["CONTENT_LENGTH"] = length
    return ClientHandler(enforce_csrf_checks=False)(environ)


def public_url():
    return reverse("public:report", args=["530303"])


def public_attack(size):
    return multipart({"summary": "x", "identity": "anonymous"}, [("attachments", "证据.pdf", size)])


@pytest.fixture
def report(tree, zhanyi_intake):
    return register(zhanyi_intake, tree["zhanyi"]).report


def staff(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def attach_url(report):
    return reverse("cases:report-action", args=[report.pk, "attach"])


def nothing_stored():
    return {
        "reports": Report.objects.count(),
        "attachments": Attachment.objects.count(),
        "events": AuditEvent.objects.count(),
    }


# --- the body limit, before anything parses ----------------------------------------------------------------------


def test_anonymous_300mb_post_to_the_public_form_is_refused_before_it_is_read(tree):
    before = nothing_stored()
    content_type, body = public_attack(300 * MB)
    started = time.monotonic()
    response = send(public_url(), body, content_type)
    assert response.status_code == 413
    assert body.consumed == 0, "not one byte of the body was read"
    assert time.monotonic() - started < 5
    html = response.content.decode()
    assert "请求过大" in html and "50 MB" in html
    assert nothing_stored() == before


def test_the_refusal_page_speaks_the_chosen_language(tree):
    content_type, body = public_attack(300 * MB)
    response = send(public_url(), body, content_type, HTTP_COOKIE="django_language=en")
    assert response.status_code == 413
    assert "The request is too large" in response.content.decode()


def test_a_body_that_is_not_multipart_is_limited_to_what_may_be_read_into_memory(tree, settings):
    """JSON and form fields are read into memory: an anonymous 40 MB JSON body to the token endpoint is refused."""
    body = Body([b'{"username": "', 40 * MB, b'"}'])
    response = send("/api/auth/token/", body, "application/json")
    assert response.status_code == 413
    assert json.loads(response.content)["code"] == "request_too_large"
    assert "2.5 MB" in json.loads(response.content)["detail"]
    assert body.consumed == 0
    form = Body([b"summary=", 10 * MB])
    assert send(public_url(), form, "application/x-www-form-urlencoded").status_code == 413
    assert form.consumed == 0
    small = Body([b'{"username": "nobody", "password": "wrong"}'])
    assert send("/api/auth/token/", small, "application/json").status_code == 400


def test_chunked_body_without_a_length_is_cut_at_the_limit(tree, settings):
    settings.MAX_REQUEST_BYTES = 2 * MB
    before = nothing_stored()
    content_type, body = public_attack(300 * MB)
    response = send(
        public_url(),
        body,
        content_type,
        length=None,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
    assert body.consumed <= 2 * MB + 64 * 1024, body.consumed
    assert nothing_stored() == before


def test_chunked_body_that_the_server_cannot_delimit_is_refused_unread(tree):
    content_type, body = public_attack(300 * MB)
    response = send(public_url(), body, content_type, length=None, HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411
    assert body.consumed == 0


@pytest.mark.parametrize("length", ["abc", "-1", "1e9", " "])
def test_a_malformed_content_length_is_refused_unread(tree, length):
    content_type, body = public_attack(1 * MB)
    response = send(public_url(), body, content_type, length=length)
    assert response.status_code == 400
    assert body.consumed == 0


def test_api_body_over_the_limit_gets_the_json_error_unread(report, zhanyi_intake):
    before = nothing_stored()
    content_type, body = multipart({"kind": "evidence"}, [("file", "a.pdf", 300 * MB)])
    response = send(f"/api/reports/{report.pk}/attachments/", body, content_type, cookies=staff(zhanyi_intake))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["code"] == "request_too_large"
    assert body.consumed == 0
    assert nothing_stored() == before


def test_api_chunked_upload_under_the_limit_is_read_and_stored(report, zhanyi_intake):
    """A client that streams its upload without a length (chunked) is served up to the limit."""
    content_type, body = multipart({"kind": "evidence"}, [("file", "streamed.pdf", 3 * MB)])
    response = send(
        f"/api/reports/{report.pk}/attachments/",
        body,
        content_type,
        cookies=staff(zhanyi_intake),
        length=None,
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input_terminated": True},
    )
    assert response.status_code == 201, response.content
    assert Attachment.objects.get(report=report).size == 3 * MB


# --- the per-file limit, page and API alike ---------------------------------------------------------------------


def test_staff_add_files_refuses_a_file_over_the_limit_and_stores_none(report, zhanyi_intake, settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    before = nothing_stored()
    browser = staff(zhanyi_intake)
    files = [
        SimpleUploadedFile("good.pdf", PDF_HEAD + b"0" * 100),
        SimpleUploadedFile("big.pdf", PDF_HEAD + b"0" * (MB + 1 - len(PDF_HEAD))),
    ]
    response = browser.post(attach_url(report), {"files": files, "kind": "evidence"}, follow=True)
    assert "“big.pdf”过大：上限为 1 MB" in response.content.decode()
    assert nothing_stored() == before


def test_api_upload_over_the_per_file_limit_is_refused_and_stores_nothing(report, zhanyi_intake, settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    before = nothing_stored()
    big = SimpleUploadedFile("big.pdf", PDF_HEAD + b"0" * (MB + 1 - len(PDF_HEAD)))
    api = APIClient()
    api.force_authenticate(zhanyi_intake)
    response = api.post(f"/api/reports/{report.pk}/attachments/", {"file": big, "kind": "evidence"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert nothing_stored() == before


def test_a_file_of_exactly_the_limit_is_stored_by_page_api_and_public_form(report, zhanyi_intake, settings, client):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    exact = PDF_HEAD + b"0" * (MB - len(PDF_HEAD))
    page = staff(zhanyi_intake).post(
        attach_url(report), {"files": [SimpleUploadedFile("page.pdf", exact)], "kind": "evidence"}
    )
    assert page.status_code == 302
    api = APIClient()
    api.force_authenticate(zhanyi_intake)
    response = api.post(
        f"/api/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile("api.pdf", exact), "kind": "evidence"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert sorted(Attachment.objects.filter(report=report).values_list("size", flat=True)) == [MB, MB]
    assert Attachment.objects.get(original_name="page.pdf").file.read() == exact
    public = submit(client, attachments=[SimpleUploadedFile("public.pdf", exact)])
    assert 'id="receipt-code"' in public.content.decode()
    assert Attachment.objects.get(original_name="public.pdf").size == MB


def test_a_public_report_over_the_request_limit_is_refused_and_writes_nothing(client, tree, settings):
    settings.MAX_REQUEST_BYTES = 1 * MB
    response = submit(client, attachments=[SimpleUploadedFile("scan.pdf", PDF_HEAD + b"0" * MB)])
    assert response.status_code == 413
    assert not Report.objects.exists() and not Attachment.objects.exists()


def test_a_text_file_is_checked_on_all_its_content_in_chunks(report, zhanyi_intake, settings):
    """The text check reads the whole file, chunk by chunk: a binary byte at the end is still caught."""
    settings.ATTACHMENT_MAX_BYTES = 4 * MB
    text = "投标记录\n".encode() * 300_000
    bad = SimpleUploadedFile("notes.txt", text + b"\x00")
    good = SimpleUploadedFile("notes.txt", text)
    browser = staff(zhanyi_intake)
    refused = browser.post(attach_url(report), {"files": [bad], "kind": "evidence"}, follow=True)
    assert not Attachment.objects.exists()
    assert "notes.txt" in refused.content.decode()
    browser.post(attach_url(report), {"files": [good], "kind": "evidence"})
    assert Attachment.objects.get().size == len(text)


# --- many files -------------------------------------------------------------------------------------------------


def test_staff_add_files_refuses_more_files_than_allowed_and_stores_none(report, zhanyi_intake, settings):
    before = nothing_stored()
    files = [SimpleUploadedFile(f"f{i}.pdf", PDF_HEAD) for i in range(settings.MAX_UPLOAD_FILES + 1)]
    response = staff(zhanyi_intake).post(attach_url(report), {"files": files, "kind": "evidence"}, follow=True)
    assert f"最多上传 {settings.MAX_UPLOAD_FILES} 个文件" in response.content.decode()
    assert nothing_stored() == before


def test_a_flood_of_files_is_cut_by_the_parser_with_a_clear_page(tree):
    before = nothing_stored()
    content_type, body = multipart({"summary": "x"}, [("attachments", f"f{i}.pdf", 20) for i in range(500)])
    response = send(public_url(), body, content_type)
    assert response.status_code == 400
    assert "文件太多" in response.content.decode()
    assert body.consumed < body.length, "the parser stopped at the limit"
    assert nothing_stored() == before


def test_a_flood_of_files_to_the_api_gets_the_json_error(report, zhanyi_intake):
    content_type, body = multipart({"kind": "evidence"}, [("file", f"f{i}.pdf", 20) for i in range(500)])
    response = send(f"/api/reports/{report.pk}/attachments/", body, content_type, cookies=staff(zhanyi_intake))
    assert response.status_code == 400
    assert json.loads(response.content)["code"] == "too_many_files"
    assert not Attachment.objects.exists()


# --- memory -----------------------------------------------------------------------------------------------------


def test_staff_upload_of_a_20mb_file_is_streamed_not_held_in_memory(report, zhanyi_intake, settings):
    settings.ATTACHMENT_MAX_BYTES = 25 * MB
    browser = staff(zhanyi_intake)
    warm_type, warm_body = multipart({"kind": "evidence"}, [("files", "warm.pdf", 1024)])
    assert send(attach_url(report), warm_body, warm_type, cookies=browser).status_code == 302  # load code and caches
    content_type, body = multipart({"kind": "evidence"}, [("files", "scan.pdf", 20 * MB)])
    tracemalloc.start()
    try:
        response = send(attach_url(report), body, content_type, cookies=browser)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 302
    assert Attachment.objects.get(report=report, original_name="scan.pdf").size == 20 * MB
    sys.stderr.write(f"\npeak Python memory of a 20 MB staff upload: {peak / MB:.1f} MB\n")
    assert peak < 5 * MB, f"peak {peak / MB:.1f} MB"
