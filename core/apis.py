"""GET /api/my-work/: the same answer as the work list page (core/work.py)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from . import work


class WorkItemSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="The workflow: report, clarification, accountability, identity, measure")
    id = serializers.IntegerField()
    label = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    url = serializers.CharField(help_text="The page where the step is taken")


class WorkTaskSerializer(serializers.Serializer):
    task = serializers.CharField(help_text="workflow.transition, e.g. report.approve_disposition")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text=f"Items listed (at most {work.LIMIT})")
    more = serializers.BooleanField(help_text="More items wait than are listed")
    items = WorkItemSerializer(many=True)


class MyWorkViewSet(viewsets.ViewSet):
    """What the workflows ask of the signed-in user now, grouped by task, overdue and soonest due first."""

    @extend_schema(responses={200: WorkTaskSerializer(many=True)})
    def list(self, request):
        body = [
            {
                "task": task.key,
                "label": task.label,
                "count": len(task.rows),
                "more": task.more,
                "items": [
                    {
                        "kind": task.workflow.name,
                        "id": row["object"].pk,
                        "label": row["label"],
                        "due_on": row["due_on"],
                        "url": row["url"],
                    }
                    for row in task.rows
                ],
            }
            for task in work.tasks_for(request.user)
        ]
        return Response(WorkTaskSerializer(body, many=True).data)


ROUTES = [("my-work", MyWorkViewSet, "my-work")]
