"""Every task the product queues goes through core.outbox.enqueue (issue 13): nothing else publishes."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

QUEUEING = {"delay", "apply_async", "send_task"}
ALLOWED = {"core/outbox.py"}  # the one function that publishes, after the caller's commit
SKIPPED = {".venv", "tests", "bench", "node_modules", "static", "locale", "deploy", "docs"}


def _product_modules():
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in SKIPPED or relative.parts[0].startswith("."):
            continue
        yield relative.as_posix(), path


def _queueing_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"line {node.lineno}: .{node.func.attr}(...)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUEUEING
    ]


def test_product_code_queues_only_through_the_outbox():
    modules = dict(_product_modules())
    assert "stats/services.py" in modules and "core/outbox.py" in modules  # the scan sees the apps
    found = {name: calls for name, path in modules.items() if name not in ALLOWED and (calls := _queueing_calls(path))}
    assert found == {}, f"queue with core.outbox.enqueue instead: {found}"


def test_the_scan_catches_a_direct_delay(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("from x import t\n\ndef f(pk):\n    t.delay(pk)\n    app.send_task('t')\n")
    assert _queueing_calls(planted) == ["line 4: .delay(...)", "line 5: .send_task(...)"]


@pytest.mark.django_db
def test_only_a_city_supervisor_queues_the_monthly_build_job(client, zhanyi_investigator, qujing_supervisor):
    from django.urls import reverse

    from core.models import OutboxMessage

    client.force_login(zhanyi_investigator)
    response = client.post(reverse("clarification:batch-job-run"), follow=True)
    assert "只有市级纪委监委的领导可以执行此操作。" in [str(m) for m in response.context["messages"]]
    assert not OutboxMessage.objects.exists()

    client.force_login(qujing_supervisor)
    client.post(reverse("clarification:batch-job-run"))
    assert list(OutboxMessage.objects.values_list("task", flat=True)) == ["clarification.tasks.build_monthly_batches"]
