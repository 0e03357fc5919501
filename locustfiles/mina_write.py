"""Mina 02 - API write load (seed 001, 02-api-write-load.js).

One write per iteration over the seed's five write endpoints: create meeting,
update meeting, create task, update task, delete task (deleting a task this
user created); the default profile drives 20 -> 60 -> 150 writes/s.

    locust -f locustfiles/mina_write.py --headless    # profile mina-api-write
"""

from __future__ import annotations

from _mina import MinaUser
from locust import task

from loadlib import check, default_profile

default_profile("mina-api-write")


class MinaWrite(MinaUser):
    @task(2)
    def create_meeting_task(self) -> None:
        check(self.create_meeting(), {"meeting created": lambda r: r.status == 201})

    @task(2)
    def update_meeting_task(self) -> None:
        check(self.update_meeting(), {"meeting updated": lambda r: r.status == 200})

    @task(3)
    def create_task_task(self) -> None:
        check(self.create_task(), {"task created": lambda r: r.status == 201})

    @task(2)
    def update_task_task(self) -> None:
        check(self.update_task(), {"task updated": lambda r: r.status in (200, 201)})

    @task(1)
    def delete_task_task(self) -> None:
        check(self.delete_task(), {"task deleted": lambda r: r.ok})
