"""A scripted host for the iptables backends: answers the commands they run."""

from __future__ import annotations

from collections.abc import Sequence

from novanet.drivers.iptables.privileged import Completed

EMPTY = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
RULES = "*filter\n:INPUT ACCEPT [0:0]\n:DOCKER - [0:0]\n-A INPUT -j DOCKER\nCOMMIT\n"


class FakeHost:
    """Answers the commands detection and the restore backend run."""

    def __init__(self, nft: str = "", legacy: str = "", legacy_tables: str = "", default: str = "nf_tables",
                 restore_rc: int = 0, restore_err: str = "") -> None:
        self.saves = {"nft": nft, "legacy": legacy}
        self.legacy_tables = legacy_tables
        self.default = default
        self.restore_rc, self.restore_err = restore_rc, restore_err
        self.calls: list[tuple[tuple[str, ...], str | None]] = []

    def run(self, argv: Sequence[str], stdin: str | None) -> Completed:
        self.calls.append((tuple(argv), stdin))
        tool = argv[0]
        if tool == "iptables" and argv[1:] == ["--version"]:
            return Completed(tuple(argv), 0, f"iptables v1.8.9 ({self.default})\n", "")
        if tool.endswith("-save"):
            variant = tool.split("-")[1]
            text = self.saves[variant] if tool.startswith("iptables-") else ""
            return Completed(tuple(argv), 0, text, "")
        if tool.endswith("-restore"):
            return Completed(tuple(argv), self.restore_rc, "", self.restore_err)
        return Completed(tuple(argv), 127, "", "not found")

    def read_proc(self, path: str) -> str | None:
        return self.legacy_tables if path.endswith("/ip_tables_names") else None
