"""The Locust scenario of bench/load.py: four kinds of people on one loopback stack.

Run by bench/load.py (`locust -f bench/load_locust.py --headless ...`) with LOAD_ACTORS naming the JSON
that bench/load_seed.py wrote. Every request goes to the --host address with the Host header of the
tenant (or of the platform domain), so no DNS is needed. Think time: `between(1, 5)` seconds per
person, so 1,000 people make about 330 requests a second; FastHttpUser (geventhttpclient) keeps one
load-generator core well below saturation at that rate.

Request names are "<who>: <what>", the request types of the report.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import UTC, datetime
from typing import Any

from load_pages import ADMIN_PAGES, PORTAL_PAGES
from locust import FastHttpUser, between, task

ACTORS: dict[str, Any] = json.loads(open(os.environ["LOAD_ACTORS"]).read())  # noqa: SIM115
TENANTS: list[dict[str, Any]] = ACTORS["tenants"]
PROTO = {"X-Forwarded-Proto": "https"}  # production settings redirect plain HTTP unless a proxy says https
THINK = between(float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "5")))
_field_seq, _admin_seq, _integrator_seq = itertools.count(), itertools.count(), itertools.count()


def _pick(sequence: itertools.count[int], people: int) -> tuple[dict[str, Any], int]:
    """The n-th virtual user of a kind takes the n-th person, going round the tenants first."""
    n = next(sequence)
    return TENANTS[n % len(TENANTS)], (n // len(TENANTS)) % people


def _page(user: FastHttpUser, path: str, headers: dict[str, str], name: str) -> None:
    """A page must answer 200 itself: a redirect (to the sign-in form, to MFA enrolment) is a failure."""
    with user.client.get(path, headers=headers, name=name, allow_redirects=False, catch_response=True) as answer:
        if answer.status_code != 200:
            answer.failure(f"{answer.status_code} {answer.headers.get('Location', '')}")


def _now() -> str:
    return datetime.now(UTC).isoformat()


class FieldStaff(FastHttpUser):
    """A person on the mobile app: shifts, clock in and out, today's tasks, checklist ticks, a form, chat."""

    weight = 70
    wait_time = THINK

    def on_start(self) -> None:
        tenant, index = _pick(_field_seq, len(TENANTS[0]["field_staff"]))
        me = tenant["field_staff"][index]
        self.tenant, self.assigned = tenant, me["tasks"]
        self.h = {"Host": tenant["host"], "Authorization": f"Bearer {me['token']}", **PROTO}
        self.lat, self.lng = ACTORS["site_position"]
        self.clocked_in = self._status()

    def _status(self) -> bool:
        with self.client.get("/api/v1/attendance/me/status/", headers=self.h, name="field: GET attendance status",
                             catch_response=True) as answer:  # fmt: skip
            state = answer.json().get("state", "") if answer.status_code == 200 else ""
        return state in ("in", "on_break")

    @task(3)
    def shifts(self) -> None:
        today = datetime.now(UTC).date().isoformat()
        self.client.get(f"/api/v1/attendance/me/shifts/?from={today}&to={today}", headers=self.h,
                        name="field: GET my shifts")  # fmt: skip

    @task(2)
    def punch(self) -> None:
        kind = "out" if self.clocked_in else "in"
        body = {"client_id": str(uuid.uuid4()), "kind": kind, "device_time": _now(), "lat": self.lat,
                "lng": self.lng, "accuracy_m": 10, "workplace": self.tenant["site"]}  # fmt: skip
        with self.client.post("/api/v1/attendance/punches/", json=body, headers=self.h,
                              name=f"field: POST punch {kind}", catch_response=True) as answer:  # fmt: skip
            if answer.status_code == 409:  # out of step (a previous run left this person in): follow the server
                answer.success()
                self.clocked_in = not self.clocked_in
            elif answer.status_code in (200, 201):
                self.clocked_in = not self.clocked_in

    @task(5)
    def my_tasks(self) -> None:
        self.client.get(f"/api/v1/tasks/me/today/?lat={self.lat}&lng={self.lng}", headers=self.h,
                        name="field: GET my tasks today")  # fmt: skip

    @task(3)
    def tick(self) -> None:
        if not self.assigned:
            return
        chosen = random.choice(self.assigned)
        item, action = random.choice(chosen["items"]), random.choice(("tick", "untick"))
        self.client.post(f"/api/v1/tasks/{chosen['id']}/checklist/{item}/{action}/", headers=self.h,
                         name=f"field: POST checklist {action}")  # fmt: skip

    @task(1)
    def form(self) -> None:
        body = {"template": self.tenant["form"], "client_id": str(uuid.uuid4()), "workplace": self.tenant["site"],
                "answers": {"note": "All good", "count": random.randint(1, 9)}}  # fmt: skip
        self.client.post("/api/v1/reports/forms/submissions/", json=body, headers=self.h,
                         name="field: POST form submission")  # fmt: skip

    @task(2)
    def chat_read(self) -> None:
        self.client.get(f"/api/v1/chat/channels/{self.tenant['channel']}/messages/?page_size=30", headers=self.h,
                        name="field: GET chat messages")  # fmt: skip

    @task(1)
    def chat_send(self) -> None:
        body = {"body": "On my way", "client_id": str(uuid.uuid4())}
        self.client.post(f"/api/v1/chat/channels/{self.tenant['channel']}/messages/", json=body, headers=self.h,
                         name="field: POST chat message")  # fmt: skip


class TenantAdmin(FastHttpUser):
    """A tenant admin browsing the portal with a signed-in session."""

    weight = 20
    wait_time = THINK

    def on_start(self) -> None:
        tenant, index = _pick(_admin_seq, len(TENANTS[0]["admin_sessions"]))
        cookie = f"{ACTORS['session_cookie']}={tenant['admin_sessions'][index]}"
        self.h = {"Host": tenant["host"], "Cookie": cookie, **PROTO}
        self.channel = tenant["channel"]

    @task
    def browse(self) -> None:
        path, label = random.choice(PORTAL_PAGES)
        _page(self, path.format(channel=self.channel), self.h, f"admin: portal {label}")


class Integrator(FastHttpUser):
    """An integrator's system with a scoped API key: lists tasks and people, updates them."""

    weight = 10
    wait_time = THINK

    def on_start(self) -> None:
        self.tenant, _ = _pick(_integrator_seq, 1)
        self.h = {"Host": self.tenant["host"], "Authorization": f"Api-Key {self.tenant['api_key']}", **PROTO}

    @task(3)
    def list_tasks(self) -> None:
        self.client.get("/api/v1/tasks/?page_size=50", headers=self.h, name="integrator: GET tasks")

    @task(2)
    def list_people(self) -> None:
        self.client.get("/api/v1/people/?page_size=50", headers=self.h, name="integrator: GET people")

    @task(1)
    def update_task(self) -> None:
        task_id = random.choice(self.tenant["task_ids"])
        body = {"description": f"Synced {_now()}"}
        self.client.patch(f"/api/v1/tasks/{task_id}/", json=body, headers=self.h, name="integrator: PATCH task")

    @task(1)
    def update_person(self) -> None:
        person = random.choice(self.tenant["people"])
        body = {"job_title": random.choice(("Picker", "Driver", "Cashier"))}
        self.client.patch(f"/api/v1/people/{person}/", json=body, headers=self.h, name="integrator: PATCH person")


class PlatformStaff(FastHttpUser):
    """The one platform staff member in the Django admin on the platform host."""

    fixed_count = 1
    wait_time = THINK

    def on_start(self) -> None:
        cookie = f"{ACTORS['session_cookie']}={ACTORS['staff_session']}"
        self.h = {"Host": ACTORS["platform_host"], "Cookie": cookie, **PROTO}

    @task
    def browse(self) -> None:
        path, label = random.choice(ADMIN_PAGES)
        _page(self, path, self.h, f"staff: admin {label}")
