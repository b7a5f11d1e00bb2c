"""Each rule in one place (issue 17): pages and API operations call services, which write the audit events."""

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
CALLERS = ("views.py", "apis.py", "public_views.py", "two_factor.py")
NOT_PRODUCT = ("tests", "migrations", "bench", ".venv", "devtools", "node_modules")


def test_no_page_or_api_module_writes_an_audit_event_itself():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted(ROOT.rglob("*.py"))
        if path.name in CALLERS
        and not any(part in path.relative_to(ROOT).as_posix() for part in NOT_PRODUCT)
        and "audit_record(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
