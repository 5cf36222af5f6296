"""Django's PostgreSQL backend, with a health check that needs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before the first query of each request
by running ``SELECT 1``: one more round trip, parsed and planned afresh, on every API call. A
connection the server has closed (a restart, ``pg_terminate_backend``, an idle timeout) always has
something to read: the server's last message and the end of the stream. So a connection with
nothing to read is usable as it is; only one with something waiting gets Django's full check.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        raw = self.connection
        if raw is None or raw.closed or raw.info.status != pq.ConnStatus.OK:
            return False
        if raw.info.transaction_status != pq.TransactionStatus.IDLE:
            return bool(super().is_usable())  # mid-transaction: let Django ask the server
        poller = select.poll()
        poller.register(raw.fileno(), select.POLLIN | select.POLLPRI)
        if not poller.poll(0):
            return True  # nothing from the server since the last answer: still open
        return bool(super().is_usable())
