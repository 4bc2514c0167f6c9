#!/usr/bin/env python3
"""novanet all in one, on this machine, inside network namespaces it makes and removes.

What it does, printing each step:

1. a fact store (SQLite under state/demo) and novanet-manage: a FlatDHCP
   network 10.0.0.0/24 on bridge br100 and a floating pool 172.24.4.64/28;
2. a "host" namespace (the network host: bridge, dnsmasq, iptables) whose
   pub0 faces an "outside" namespace (172.24.4.0/24), and the daemons:
   novanet-network (in this namespace, driving the host namespace; RPC over
   the local RabbitMQ) and novanet-metadata (in the host namespace);
3. an instance: allocate_for_instance over RPC, then an instance namespace
   plugged into br100 whose dhclient gets the allocated address;
4. a floating IP associated with it, reached from outside, and the
   instance's own traffic leaving with it;
5. the instance reading its network_data.json from 169.254.169.254;
6. what the store says (service list, fixed list, floating list), then
   everything is torn down: the instance deallocated, the daemons stopped
   by pid, the namespaces deleted.

Run by tools/demo.sh (which installs what it needs first), as root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

TOP = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFIX = "nndemo"
HOST_NS, OUTSIDE_NS, VM_NS = f"{PREFIX}-host", f"{PREFIX}-outside", f"{PREFIX}-vm1"
PUBLIC_IP, OUTSIDE_IP = "172.24.4.1", "172.24.4.100"
RABBIT = os.environ.get("NOVANET_DEMO_RABBIT_URL", "rabbit://guest:guest@127.0.0.1:5672/")


def say(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run(*argv: str, check: bool = True, quiet: bool = False) -> str:
    if not quiet:
        print("+ " + " ".join(argv), flush=True)
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=120)
    if check and result.returncode:
        raise SystemExit(f"failed ({result.returncode}): {' '.join(argv)}\n{result.stdout}{result.stderr}")
    return result.stdout


def ns(name: str, *argv: str, check: bool = True, quiet: bool = False) -> str:
    return run("ip", "netns", "exec", name, *argv, check=check, quiet=quiet)


def remove_namespaces() -> None:
    for name in (VM_NS, OUTSIDE_NS, HOST_NS):
        if os.path.exists(f"/run/netns/{name}"):
            pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
            for pid in pids:  # processes this demo started inside its own namespaces
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            subprocess.run(["ip", "netns", "del", name], capture_output=True)


def wait_for(what: str, predicate, timeout: float = 60) -> object:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.2)


def rabbit_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    if os.geteuid() != 0:
        raise SystemExit("the demo makes network namespaces: run it as root")
    state = TOP / "state" / "demo"
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    for path in (state, state.parent):
        path.chmod(0o755)  # dnsmasq runs as nobody and reads its files below
    conf = state / "novanet.conf"
    conf.write_text("\n".join([
        "[DEFAULT]", "host = demo-host", f"state_path = {state}", f"transport_url = {RABBIT}",
        f"control_exchange = novanet-demo-{uuid.uuid4().hex[:6]}", "network_manager = flatdhcp",
        "network_driver = linux_net", "public_interface = pub0", f"my_ip = {PUBLIC_IP}",
        f"routing_source_ip = {PUBLIC_IP}", f"metadata_host = {PUBLIC_IP}", "metadata_port = 8775",
        f"dhcpbridge = {BIN / 'novanet-dhcpbridge'}", f"dhcpbridge_flagfile = {conf}",
        "[linux_net]", f"namespace = {HOST_NS}", "[metadata]", f"metadata_listen = {PUBLIC_IP}", ""]))
    conf.chmod(0o644)
    manage = [str(BIN / "novanet-manage"), "--config-file", str(conf)]

    say("The fact store and the operator's CLI")
    run(*manage, "db", "sync")
    print(run(*manage, "network", "create", "--label", "demo", "--fixed_range_v4", "10.0.0.0/24", "--bridge",
              "br100"))
    print(run(*manage, "floating", "create", "--ip_range", "172.24.4.64/28", "--interface", "pub0"))
    print(run(*manage, "network", "list"))
    if not rabbit_reachable():
        print("RabbitMQ is not reachable on 127.0.0.1:5672: the daemon part of the demo is skipped.")
        return 0

    remove_namespaces()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        say("A network host namespace facing an 'outside' namespace")
        for name in (HOST_NS, OUTSIDE_NS):
            run("ip", "netns", "add", name)
            ns(name, "ip", "link", "set", "lo", "up")
        run("ip", "link", "add", "pub0", "netns", HOST_NS, "type", "veth", "peer", "name", "out0", "netns",
            OUTSIDE_NS)
        ns(HOST_NS, "ip", "addr", "add", f"{PUBLIC_IP}/24", "dev", "pub0")
        ns(HOST_NS, "ip", "link", "set", "pub0", "up")
        ns(OUTSIDE_NS, "ip", "addr", "add", f"{OUTSIDE_IP}/24", "dev", "out0")
        ns(OUTSIDE_NS, "ip", "link", "set", "out0", "up")

        say("novanet-network and novanet-metadata")
        log = open(state / "novanet-network.log", "wb")
        procs.append(subprocess.Popen([str(BIN / "novanet-network"), "--config-file", str(conf)], stdout=log,
                                      stderr=subprocess.STDOUT))
        mlog = open(state / "novanet-metadata.log", "wb")
        procs.append(subprocess.Popen(["ip", "netns", "exec", HOST_NS, str(BIN / "novanet-metadata"),
                                       "--config-file", str(conf)], stdout=mlog, stderr=subprocess.STDOUT))
        print(f"logs: {state}/novanet-network.log, {state}/novanet-metadata.log")

        sys.argv = [sys.argv[0], "--config-file", str(conf)]
        from novanet.conf import CONF
        from novanet.rpc import NetworkAPI, RequestContext

        CONF(sys.argv[1:], project="novanet")
        api = NetworkAPI()
        admin = RequestContext(is_admin=True, roles=["admin"])
        wait_for("the daemon", lambda: _answers(api, admin))
        user = RequestContext(user_id="demo", project_id="demo-project", roles=["member"])

        say("An instance: allocate_for_instance over RPC, then DHCP in its own namespace")
        instance = str(uuid.uuid4())
        info = api.allocate_for_instance(user, instance, project_id="demo-project", host="demo-host")
        vif = info[0]
        fixed = vif.fixed_ips()[0].address
        print(f"allocated {fixed} with MAC {vif.address} on bridge {vif.network.bridge}")
        run("ip", "netns", "add", VM_NS)
        ns(VM_NS, "ip", "link", "set", "lo", "up")
        run("ip", "link", "add", "tapdemo", "netns", HOST_NS, "type", "veth", "peer", "name", "eth0", "netns", VM_NS)
        ns(HOST_NS, "ip", "link", "set", "tapdemo", "master", "br100", "up")
        ns(VM_NS, "ip", "link", "set", "eth0", "address", vif.address, "up")
        script = state / "dhclient-script"
        script.write_text(DHCLIENT_SCRIPT)
        script.chmod(0o755)
        ns(VM_NS, "dhclient", "-1", "-sf", str(script), "-pf", str(state / "dhclient.pid"), "-lf",
           str(state / "dhclient.leases"), "eth0")
        print(ns(VM_NS, "ip", "-4", "addr", "show", "eth0", quiet=True))

        say("A floating IP from outside, and the instance's traffic leaving with it")
        floating = api.allocate_floating_ip(user, "demo-project")
        api.associate_floating_ip(user, floating, fixed)
        print(f"{floating} -> {fixed}")
        procs.append(subprocess.Popen(["ip", "netns", "exec", VM_NS, sys.executable, "-m", "http.server", "8080",
                                       "--bind", fixed], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        print(run("ip", "netns", "exec", OUTSIDE_NS, "curl", "-s", "-o", "/dev/null", "-w",
                  "outside -> floating IP: HTTP %{http_code}\n", f"http://{floating}:8080/"))
        procs.append(subprocess.Popen(["ip", "netns", "exec", OUTSIDE_NS, sys.executable, "-c", ECHO_PEER],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        time.sleep(0.5)
        print("instance -> outside, seen there as:",
              ns(VM_NS, "curl", "-s", f"http://{OUTSIDE_IP}:8081/", quiet=True).strip())

        say("The instance reads its network_data.json from 169.254.169.254")
        doc = wait_for("the metadata service", lambda: ns(VM_NS, "curl", "-s", "-f", "-m", "2",
                                                           "http://169.254.169.254/openstack/latest/network_data.json",
                                                           check=False, quiet=True))
        print(json.dumps(json.loads(str(doc)), indent=2))

        say("What the store knows")
        print(run(*manage, "service", "list"))
        print(run(*manage, "floating", "list", "--pool", "nova"))

        say("Tearing down: the instance's network goes back, then the daemons and namespaces")
        api.disassociate_floating_ip(user, floating)
        api.deallocate_floating_ip(user, floating)
        api.deallocate_for_instance(admin, _instance(instance))
        time.sleep(1)
        usage = json.loads(run(*manage, "network", "show", "10.0.0.0/24", "--format", "json", quiet=True))
        print(f"10.0.0.0/24: {usage['in_use']} address(es) in use, {usage['free']} free")
        return 0
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        remove_namespaces()
        print("\ndemo finished; namespaces removed, daemons stopped.")


def _answers(api: object, context: object) -> bool:
    try:
        return bool(api.ping(context, "demo", host="demo-host", timeout=2))  # type: ignore[attr-defined]
    except Exception:
        return False


def _instance(uuid_: str) -> object:
    from novanet.types import InstanceInfo

    return InstanceInfo(uuid=uuid_, project_id="demo-project", host="demo-host")


DHCLIENT_SCRIPT = """#!/bin/sh
# Configure only this interface (the system script would rewrite /etc/resolv.conf).
case "$reason" in
  BOUND|RENEW|REBIND|REBOOT)
    ip -4 addr replace "$new_ip_address/$new_subnet_mask" dev "$interface"
    for router in $new_routers; do ip route replace default via "$router" dev "$interface"; break; done ;;
esac
exit 0
"""

ECHO_PEER = """
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(self.client_address[0].encode() + b"\\n")
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", 8081), H).serve_forever()
"""

if __name__ == "__main__":
    sys.exit(main())
