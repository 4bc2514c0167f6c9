"""Policy defaults in code, and the generated sample that documents them."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from novanet import exception
from novanet.rpc import policy
from novanet.context import RequestContext, get_admin_context
from novanet.rpc.versions import METHODS

SAMPLE = pathlib.Path(__file__).parents[3] / "etc" / "novanet" / "policy.yaml.sample"


def test_every_method_has_a_rule_with_its_wire_names() -> None:
    names = {r.name for r in policy.list_rules()}
    for info in METHODS.values():
        assert policy.rule_name(info.policy_rule) in names, info.name
    documented = {op["path"] for r in policy.list_rules() if hasattr(r, "operations") for op in r.operations}
    assert {p for p in documented if p.startswith("network.")} == {f"network.{name}" for name in METHODS}
    # The only other namespace is baremetal's, one rule per wire method.
    assert {p for p in documented if not p.startswith("network.")} == {
        f"baremetal.baremetal_{rule}" for rule in policy.BAREMETAL_DEFAULTS}


def test_sample_is_in_sync_with_the_defaults(tmp_path: pathlib.Path) -> None:
    """Regenerate with: oslopolicy-sample-generator --namespace novanet
    --output-file etc/novanet/policy.yaml.sample (the entry point must be installed)."""
    out = tmp_path / "policy.yaml.sample"
    subprocess.run([str(pathlib.Path(sys.executable).parent / "oslopolicy-sample-generator"),
                    "--namespace", "novanet", "--output-file", str(out)], check=True, capture_output=True)
    generated = out.read_text()
    assert '#"network:create_networks_rpc": "rule:admin_api"' in generated
    assert SAMPLE.read_text() == generated


@pytest.mark.parametrize(("context", "method", "project", "allowed"), [
    (get_admin_context(), "create_networks_rpc", None, True),
    (RequestContext(roles=["admin"], project_id="x"), "lease_fixed_ip", None, True),
    (RequestContext(is_admin=True), "update_dns", None, True),
    (RequestContext(roles=["member"], project_id="p1"), "create_networks_rpc", None, False),
    (RequestContext(roles=["member"], project_id="p1"), "allocate_for_instance", "p1", True),
    (RequestContext(roles=["member"], project_id="p1"), "allocate_for_instance", "p2", False),
    (RequestContext(roles=["member"], project_id="p1"), "allocate_for_instance", None, True),
    (RequestContext(roles=["member"], project_id="p1"), "get_floating_ips_by_project", None, True),
])
def test_defaults(context: RequestContext, method: str, project: str | None, allowed: bool) -> None:
    policy.reset()
    if allowed:
        policy.authorize(context, method, project)
    else:
        with pytest.raises(exception.PolicyNotAuthorized) as info:
            policy.authorize(context, method, project)
        assert str(info.value) == f"Policy does not allow network:{method} to be performed."


def test_operator_override(tmp_path: pathlib.Path) -> None:
    from novanet.conf import CONF

    override = tmp_path / "policy.yaml"
    override.write_text('"network:get_dns_domains": "role:dns-reader"\n')
    CONF.set_override("policy_file", str(override), group="oslo_policy")
    try:
        policy.reset()
        user = RequestContext(roles=["member"], project_id="p1")
        with pytest.raises(exception.PolicyNotAuthorized):
            policy.authorize(user, "get_dns_domains")
        policy.authorize(RequestContext(roles=["dns-reader"], project_id="p1"), "get_dns_domains")
    finally:
        CONF.clear_override("policy_file", group="oslo_policy")
        policy.reset()
