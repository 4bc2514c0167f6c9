"""Instances on SQLite (db/instances.py): the one field list, recorded and updated."""

from __future__ import annotations

import uuid

import pytest

from novanet import exception
from novanet.db import api as db
from novanet.db.models import Instance
from novanet.types import INSTANCE_FIELDS, InstanceInfo


def test_the_field_list_is_the_tables_and_the_records() -> None:
    assert set(INSTANCE_FIELDS) <= {c.key for c in Instance.__table__.columns}
    info = InstanceInfo(uuid="u", project_id="p1", host="h", hostname="vm")
    assert list(info.recorded_fields()) == list(INSTANCE_FIELDS)
    assert info.recorded_fields()["launched_on"] == "h"  # defaults to the host


def test_record_then_update_the_given_fields(sqlite_store: str) -> None:
    uuid_ = str(uuid.uuid4())
    db.instance_ensure(uuid_, **InstanceInfo(uuid=uuid_, project_id="p1", host="h1", hostname="vm").recorded_fields())
    db.instance_ensure(uuid_, host="h2", hostname=None)  # None keeps the old value
    row = db.instance_get_by_uuid(uuid_)
    assert (row.project_id, row.host, row.launched_on, row.hostname) == ("p1", "h2", "h1", "vm")
    with pytest.raises(exception.InvalidRequest, match="unknown instance fields"):
        db.instance_ensure(uuid_, flavor="m1.small")
