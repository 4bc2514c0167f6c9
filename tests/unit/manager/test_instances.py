"""The metadata layer's instance lookups and config drives, from the store."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pycdlib
import pytest

from novanet import exception
from novanet.cli import manage
from novanet.context import get_admin_context
from novanet.drivers.fake import RecordingDriver
from novanet.manager.flat import FlatDHCPManager
from novanet.manager.instances import StoreInstanceSource
from novanet.metadata.network_data import network_data
from novanet.types import InstanceInfo

ADMIN = get_admin_context()


@pytest.fixture
def allocated(sqlite_store: str) -> tuple[FlatDHCPManager, InstanceInfo]:
    manager = FlatDHCPManager("host-a", driver=RecordingDriver())
    manager.networks.create_networks(ADMIN, label="n", cidr="10.0.0.0/28", bridge="br-n", dns1="10.0.0.53")
    inst = InstanceInfo(uuid=str(uuid.uuid4()), project_id="p1", host="host-a", hostname="web",
                        display_name="Web 1", availability_zone="az1")
    manager.allocate_for_instance(ADMIN, inst, None, False, None, None)
    return manager, inst


def test_lookup_by_address_and_uuid(allocated: tuple[FlatDHCPManager, InstanceInfo]) -> None:
    manager, inst = allocated
    source = StoreInstanceSource(manager.nw_info)
    record = source.by_fixed_address("10.0.0.2")
    assert (record.uuid, record.project_id, record.hostname, record.display_name, record.availability_zone) == (
        inst.uuid, "p1", "web", "Web 1", "az1")
    assert record.network_info.fixed_ips()[0].address == "10.0.0.2"
    assert source.by_uuid(inst.uuid) == record
    doc = network_data(record.network_info)
    assert doc["networks"][0]["type"] == "ipv4_dhcp" and doc["services"] == [{"type": "dns", "address": "10.0.0.53"}]
    for unknown in ("10.0.0.3", "10.9.9.9"):
        with pytest.raises(exception.NotFound):
            source.by_fixed_address(unknown)
    with pytest.raises(exception.NotFound):
        source.by_uuid(str(uuid.uuid4()))
    manager.deallocate_for_instance(ADMIN, inst)
    with pytest.raises(exception.NotFound):
        source.by_fixed_address("10.0.0.2")


def test_configdrive_build_command(allocated: tuple[FlatDHCPManager, InstanceInfo], tmp_path: Path) -> None:
    _, inst = allocated
    image = tmp_path / "drive.iso"
    out, err = io.StringIO(), io.StringIO()
    code = manage.run(["configdrive", "build", "--instance", inst.uuid, "--output", str(image)], out, err,
                      configure=False)
    assert code == 0, err.getvalue()
    iso = pycdlib.PyCdlib()
    iso.open(str(image))
    try:
        assert iso.pvd.volume_identifier.decode().strip() == "config-2"
        data = io.BytesIO()
        iso.get_file_from_iso_fp(data, rr_path="/openstack/latest/network_data.json")
        doc = json.loads(data.getvalue())
    finally:
        iso.close()
    assert doc["links"][0]["ethernet_mac_address"].startswith("fa:16:3e:")
    code = manage.run(["configdrive", "build", "--instance", str(uuid.uuid4()), "--output", str(image)], out, err,
                      configure=False)
    assert code == 2 and "could not be found" in err.getvalue()
