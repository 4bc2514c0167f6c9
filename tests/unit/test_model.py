"""network_info model: nova's wire shape, both ways."""

from novanet import model


def _sample() -> model.NetworkInfo:
    subnet4 = model.Subnet(
        cidr="10.0.0.0/28",
        gateway="10.0.0.1",
        dns=("8.8.4.4",),
        ips=(model.FixedIP("10.0.0.3", floating_ips=("172.24.4.10",)),),
        dhcp_server="10.0.0.1",
    )
    subnet6 = model.Subnet(cidr=None)
    network = model.Network(id="net-uuid", bridge="br100", label="private_0", subnets=(subnet4, subnet6),
                            meta={"tenant_id": "p1", "should_create_bridge": True})
    return model.NetworkInfo((model.VIF(id="vif-uuid", address="fa:16:3e:00:00:01", network=network),))


def test_primitive_has_nova_keys() -> None:
    prim = _sample().to_primitive()
    vif = prim[0]
    assert set(vif) == {"id", "address", "network", "type", "details", "devname", "ovs_interfaceid",
                        "qbh_params", "qbg_params", "active", "vnic_type", "profile",
                        "preserve_on_delete", "meta"}
    assert vif["type"] == "bridge" and vif["vnic_type"] == "normal"
    sub4, sub6 = vif["network"]["subnets"]
    assert sub4["version"] == 4 and sub4["meta"] == {"dhcp_server": "10.0.0.1"}
    assert sub4["gateway"] == {"address": "10.0.0.1", "type": "gateway", "version": 4, "meta": {}}
    assert sub4["dns"] == [{"address": "8.8.4.4", "type": "dns", "version": 4, "meta": {}}]
    ip = sub4["ips"][0]
    assert ip["type"] == "fixed" and ip["floating_ips"][0]["type"] == "floating"
    assert sub6["cidr"] is None and sub6["version"] is None and sub6["gateway"]["address"] is None


def test_round_trip() -> None:
    info = _sample()
    again = model.NetworkInfo.from_primitive(info.json())
    assert again == info
    assert again.fixed_ips()[0].address == "10.0.0.3"
    assert again.floating_ips() == ["172.24.4.10"]
