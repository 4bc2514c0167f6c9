"""Service records: which novanet processes run where, and their heartbeats."""

from __future__ import annotations

import datetime

from sqlalchemy import exc, select, update

from novanet.db.models import Service, utcnow
from novanet.db.session import reader, retry_on_conflict, rows_changed, writer


@retry_on_conflict
def service_heartbeat(host: str, binary: str, topic: str | None = None) -> Service:
    """Record that ``binary`` on ``host`` is alive now (creating its row)."""
    now = utcnow()
    try:
        with writer() as session:
            result = session.execute(
                update(Service)
                .where(Service.host == host, Service.binary == binary, Service.deleted == 0)
                .values(report_count=Service.report_count + 1, last_seen_up=now, updated_at=now)
            )
            if rows_changed(result) == 0:
                session.add(Service(host=host, binary=binary, topic=topic, report_count=1, last_seen_up=now))
                session.flush()
            return session.scalars(
                select(Service).where(Service.host == host, Service.binary == binary, Service.deleted == 0)
            ).one()
    except exc.IntegrityError:
        # Two processes of one host/binary started together; the next beat updates.
        with reader() as session:
            return session.scalars(
                select(Service).where(Service.host == host, Service.binary == binary, Service.deleted == 0)
            ).one()


def service_get_all(binary: str | None = None) -> list[Service]:
    query = select(Service).where(Service.deleted == 0).order_by(Service.binary, Service.host)
    if binary is not None:
        query = query.where(Service.binary == binary)
    with reader() as session:
        return list(session.scalars(query))


def service_get(host: str, binary: str) -> Service | None:
    with reader() as session:
        return session.scalars(
            select(Service).where(Service.host == host, Service.binary == binary, Service.deleted == 0)
        ).first()


def service_is_up(service: Service | None, down_after: int, now: datetime.datetime | None = None) -> bool:
    """Whether the last heartbeat is younger than ``down_after`` seconds."""
    if service is None or service.disabled or service.last_seen_up is None:
        return False
    now = now or utcnow()
    return (now - service.last_seen_up).total_seconds() <= down_after
