"""Tenant API of task dependencies: `/api/v1/tasks/<task>/dependencies/` (finish-to-start links).

GET lists what the task waits for (predecessors) and what waits for it (successors); POST adds a link
on either side; DELETE `/<link>/` removes one. Refusals are `{"detail", "code"}` bodies.
"""

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView

from . import dependencies
from .dependency_access import DependencyApiMixin, link_get_for, task_get_for, tasks_for
from .models import Task, TaskDependency

CONFLICTS = {"dependency_exists", "dependency_cycle"}
REFUSED = OpenApiResponse(
    description="Refused by a rule; `detail` says why and `code` names it: `link_side_required`, `unknown_task` "
    "(no such task, or not one you may reach), `dependency_self`, `predecessor_cancelled`, `successor_closed`."
)
CONFLICT = OpenApiResponse(
    description="`dependency_exists` (the link is there already) or `dependency_cycle` (the link would close a "
    "cycle; `detail` names the path, e.g. #12 → #15 → #12)."
)
FORBIDDEN = OpenApiResponse(
    description="Not a member, no access to Tasks (`solution_access_required`, `solution_not_in_plan`), or an API "
    "key without the `tasks:read` / `tasks:write` scope."
)
NOT_FOUND = OpenApiResponse(description="No such task (or link), or not one you may reach.")


class LinkedTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "title", "status", "due_at", "blocked_reason"]
        read_only_fields = fields


class DependencyLinkSerializer(serializers.Serializer):
    link = serializers.IntegerField(source="pk", help_text="The link's id (DELETE it to remove the link).")
    task = serializers.SerializerMethodField(help_text="The task at the other end of the link.")
    created_at = serializers.DateTimeField()

    def __init__(self, *args: Any, side: str = "predecessor", **kwargs: Any) -> None:
        self.side = side
        super().__init__(*args, **kwargs)

    @extend_schema_field(LinkedTaskSerializer)
    def get_task(self, link: TaskDependency) -> dict[str, Any]:
        return LinkedTaskSerializer(getattr(link, self.side)).data  # type: ignore[return-value]


class DependenciesSerializer(serializers.Serializer):
    task = LinkedTaskSerializer(help_text="The task itself: its status and, when blocked, why.")
    waiting_for = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of predecessors not done yet (empty: free to start)."
    )
    predecessors = DependencyLinkSerializer(many=True, help_text="What this task waits for.")
    successors = DependencyLinkSerializer(many=True, help_text="What waits for this task.")


class DependencyCreateSerializer(serializers.Serializer):
    predecessor = serializers.IntegerField(
        required=False, help_text="Make this task wait for that task (give this or `successor`)."
    )
    successor = serializers.IntegerField(required=False, help_text="Make that task wait for this one.")


def _refusal(exc: ValidationError) -> Response:
    error = next(iter(exc.error_dict.values()))[0] if hasattr(exc, "error_dict") else exc.error_list[0]
    code = error.code or "invalid"
    return Response({"detail": error.messages[0], "code": code},
                    status=status.HTTP_409_CONFLICT if code in CONFLICTS else status.HTTP_400_BAD_REQUEST)  # fmt: skip


def dependencies_data(task: Task) -> dict[str, Any]:
    predecessors = dependencies.predecessor_links(task)
    successors = dependencies.successor_links(task)
    return {
        "task": LinkedTaskSerializer(task).data,
        "waiting_for": [link.predecessor_id for link in predecessors if link.predecessor.status != "done"],
        "predecessors": DependencyLinkSerializer(predecessors, many=True, side="predecessor").data,
        "successors": DependencyLinkSerializer(successors, many=True, side="successor").data,
    }


class DependencyListCreateView(DependencyApiMixin, TenantAPIView):
    @extend_schema(
        summary="A task's dependencies",
        description="What the task waits for (`predecessors`, finish-to-start: it may start once they are done) "
        "and what waits for it (`successors`), with each linked task's status; `waiting_for` lists the "
        "predecessors not done yet. A task waiting for others is `blocked` and its `blocked_reason` names them.",
        responses={200: DependenciesSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def get(self, request: Request, task: int) -> Response:
        return Response(dependencies_data(task_get_for(request, task)))

    @extend_schema(
        summary="Add a dependency",
        description="Give `predecessor` (this task waits for that one) or `successor` (that task waits for this "
        "one). The waiting task becomes `blocked` while the other is not done, and returns to its status "
        "(in progress if it had started, else to do) when it is; its assignee and watchers hear "
        "`task.unblocked`. Refused: a task waiting for itself (`dependency_self`), a cancelled predecessor "
        "(`predecessor_cancelled`), a done or cancelled waiting task (`successor_closed`), a link that exists "
        "(409 `dependency_exists`) or would close a cycle of any length (409 `dependency_cycle`, naming it).",
        request=DependencyCreateSerializer,
        responses={201: DependencyLinkSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, task: int) -> Response:
        this = task_get_for(request, task)
        body = DependencyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sides = {key: value for key, value in body.validated_data.items() if value is not None}
        if len(sides) != 1:
            return Response({"detail": "Give either `predecessor` or `successor` (one task id).",
                             "code": "link_side_required"}, status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        (side, other_id), = sides.items()  # fmt: skip
        other = tasks_for(request).filter(pk=other_id).first()
        if other is None:
            return Response({"detail": f"No task #{other_id} you may reach.", "code": "unknown_task"},
                            status=status.HTTP_400_BAD_REQUEST)  # fmt: skip
        predecessor, successor = (other, this) if side == "predecessor" else (this, other)
        try:
            link = dependencies.dependency_add(predecessor=predecessor, successor=successor, acting_user=request.user)
        except ValidationError as exc:
            return _refusal(exc)
        link.predecessor, link.successor = predecessor, successor
        data = DependencyLinkSerializer(link, side="predecessor" if side == "predecessor" else "successor").data
        return Response(data, status=status.HTTP_201_CREATED)


class DependencyDeleteView(DependencyApiMixin, TenantAPIView):
    @extend_schema(
        summary="Remove a dependency",
        description="Remove one link of this task (either side). The waiting task is unblocked when nothing "
        "else holds it (its assignee and watchers hear `task.unblocked`); this is also how work goes on "
        "after a predecessor was cancelled.",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: Request, task: int, link: int) -> Response:
        found = link_get_for(request, task_get_for(request, task), link)
        try:
            dependencies.dependency_remove(link=found, acting_user=request.user)
        except ValidationError as exc:
            return _refusal(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)
