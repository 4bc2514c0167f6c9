"""Rule text: parse the iptables vocabulary novanet emits, and print it canonically.

Theory of operation
-------------------
The kernel does not keep rule *text*; ``iptables-save`` prints every rule in
one canonical spelling (``-s 10.0.0.3`` becomes ``-s 10.0.0.3/32``, ``--to``
becomes ``--to-source``, ``-p udp --dport 53`` gains ``-m udp``, basic
options come first). To tell, without writing anything, whether a chain in
the kernel already holds what the model wants (daemon restart, full sync), a
model rule and a saved rule must be compared in that spelling. This module
parses a rule into a :class:`ParsedRule` and prints it the way iptables-save
(nft and legacy alike, 1.8.9) does, for the vocabulary novanet's rule
builders use:

* basic options ``-s -d -i -o -p`` (each may be negated with ``!``);
* matches ``tcp``/``udp`` (``--sport``/``--dport``), ``conntrack``
  (``--ctstate``), ``mark`` (``--mark``), ``addrtype`` (``--src-type``/
  ``--dst-type``), ``comment`` (``--comment``);
* targets ``ACCEPT DROP RETURN REJECT DNAT SNAT REDIRECT MASQUERADE CHECKSUM
  MARK``, and a jump (``-j``) or goto (``-g``) to a chain.

Anything else raises :class:`UnsupportedRule`; :func:`canonical` then falls
back to whitespace-normalised text, which only costs a rewrite of that chain
at the next full sync. The same parse feeds the python-iptables backend,
which therefore refuses exactly the rules it cannot translate.

Builders write rules already in canonical form, so the common comparison is
a plain string compare and the parser only runs on a mismatch.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import shlex

__all__ = [
    "Match",
    "Option",
    "ParsedRule",
    "UnsupportedRule",
    "canonical",
    "canonical_address",
    "jump_target",
    "parse_rule",
]


class UnsupportedRule(ValueError):
    """The rule uses iptables vocabulary this module does not know."""


@dataclasses.dataclass(frozen=True)
class Option:
    """One ``--option arg...`` of a match or target, possibly negated."""

    name: str
    args: tuple[str, ...] = ()
    negated: bool = False

    def render(self) -> str:
        args = [_quote(a) for a in self.args] if self.name == "--comment" else list(self.args)
        parts = (["!"] if self.negated else []) + [self.name] + args
        return " ".join(parts)


@dataclasses.dataclass(frozen=True)
class Match:
    name: str
    options: tuple[Option, ...] = ()


@dataclasses.dataclass(frozen=True)
class Negatable:
    value: str
    negated: bool = False


@dataclasses.dataclass(frozen=True)
class ParsedRule:
    """A rule in the restricted vocabulary, in canonical form."""

    family: int
    source: Negatable | None = None
    destination: Negatable | None = None
    in_interface: Negatable | None = None
    out_interface: Negatable | None = None
    protocol: Negatable | None = None
    matches: tuple[Match, ...] = ()
    target: str | None = None
    target_options: tuple[Option, ...] = ()
    goto: bool = False

    def render(self) -> str:
        """The rule as iptables-save prints it (without ``-A <chain>``)."""
        parts: list[str] = []
        for flag, field in (("-s", self.source), ("-d", self.destination), ("-i", self.in_interface),
                            ("-o", self.out_interface), ("-p", self.protocol)):
            if field is not None:
                parts.append(f"! {flag} {field.value}" if field.negated else f"{flag} {field.value}")
        for match in self.matches:
            parts.append(f"-m {match.name}")
            parts.extend(option.render() for option in match.options)
        if self.target is not None:
            parts.append(f"-g {self.target}" if self.goto else f"-j {self.target}")
            parts.extend(option.render() for option in self.target_options)
        return " ".join(parts)


# Known matches: option (and alias) -> (canonical name, number of arguments).
# The position in each table is the order iptables-save prints options in.
_PORT_OPTS = {"--sport": ("--sport", 1), "--source-port": ("--sport", 1),
              "--dport": ("--dport", 1), "--destination-port": ("--dport", 1)}
_MATCHES: dict[str, dict[str, tuple[str, int]]] = {
    "tcp": _PORT_OPTS,
    "udp": _PORT_OPTS,
    "conntrack": {"--ctstate": ("--ctstate", 1)},
    "mark": {"--mark": ("--mark", 1)},
    "addrtype": {"--src-type": ("--src-type", 1), "--dst-type": ("--dst-type", 1)},
    "comment": {"--comment": ("--comment", 1)},
}
_MATCH_ORDER = {name: [canon for canon, _ in dict.fromkeys(opts.values())] for name, opts in _MATCHES.items()}

_TARGETS: dict[str, dict[str, tuple[str, int]]] = {
    "ACCEPT": {}, "DROP": {}, "RETURN": {},
    "REJECT": {"--reject-with": ("--reject-with", 1)},
    "DNAT": {"--to-destination": ("--to-destination", 1), "--to": ("--to-destination", 1)},
    "SNAT": {"--to-source": ("--to-source", 1), "--to": ("--to-source", 1)},
    "REDIRECT": {"--to-ports": ("--to-ports", 1), "--to-port": ("--to-ports", 1)},
    "MASQUERADE": {"--to-ports": ("--to-ports", 1)},
    "CHECKSUM": {"--checksum-fill": ("--checksum-fill", 0)},
    "MARK": {"--set-xmark": ("--set-xmark", 1), "--set-mark": ("--set-xmark", 1)},
}

_CTSTATE_ORDER = ("INVALID", "NEW", "RELATED", "ESTABLISHED", "UNTRACKED", "SNAT", "DNAT")
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "icmpv6": "ipv6-icmp"}
_ADDRTYPES = {"UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST", "MULTICAST", "BLACKHOLE",
              "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE"}
_BASIC = {"-s": "source", "--source": "source", "--src": "source",
          "-d": "destination", "--destination": "destination", "--dst": "destination",
          "-i": "in_interface", "--in-interface": "in_interface",
          "-o": "out_interface", "--out-interface": "out_interface",
          "-p": "protocol", "--protocol": "protocol"}
_SAFE_CHARS = frozenset("_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _quote(arg: str) -> str:
    """Quote like xtables_save_string: only when a character is not [-_0-9a-zA-Z]."""
    if arg and all(ch in _SAFE_CHARS for ch in arg):
        return arg
    escaped = "".join("\\" + ch if ch in "\"\\'" else ch for ch in arg)
    return f'"{escaped}"'


def canonical_address(value: str, family: int) -> str | None:
    """An address or network as iptables-save prints it; None for "any".

    ``10.0.0.3`` -> ``10.0.0.3/32``; ``10.0.0.5/24`` -> ``10.0.0.0/24``;
    ``10.0.0.0/255.255.255.0`` -> ``10.0.0.0/24``; a non-contiguous mask such
    as ``0.0.0.7/0.0.0.255`` is kept (iptables matches ``addr & mask``).

    :raises UnsupportedRule: not an address of ``family``.
    """
    addr_text, _, mask_text = value.partition("/")
    try:
        addr = ipaddress.ip_address(addr_text)
    except ValueError as exc:
        raise UnsupportedRule(f"not an IP address: {value!r}") from exc
    if addr.version != family:
        raise UnsupportedRule(f"{value!r} is not an IPv{family} address")
    bits = addr.max_prefixlen
    if not mask_text:
        mask = (1 << bits) - 1
    elif mask_text.isdigit():
        prefix = int(mask_text)
        if prefix > bits:
            raise UnsupportedRule(f"bad prefix length in {value!r}")
        mask = ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1)
    else:
        try:
            mask = int(ipaddress.ip_address(mask_text))
        except ValueError as exc:
            raise UnsupportedRule(f"bad netmask in {value!r}") from exc
    network = int(addr) & mask
    if mask == 0:
        return None
    maker = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    inverted = ((1 << bits) - 1) ^ mask
    if inverted & (inverted + 1) == 0:  # contiguous
        return f"{maker(network)}/{bits - inverted.bit_length()}"
    return f"{maker(network)}/{maker(mask)}"


def _hex(value: str) -> str:
    try:
        return hex(int(value, 0))
    except ValueError as exc:
        raise UnsupportedRule(f"not a number: {value!r}") from exc


def _canon_option(owner: str, name: str, args: tuple[str, ...], family: int) -> tuple[str, ...]:
    if name in ("--sport", "--dport"):
        for part in args[0].split(":"):
            if not part.isdigit():
                raise UnsupportedRule(f"port {args[0]!r} must be numeric")
        return args
    if name == "--ctstate":
        states = [s.upper() for s in args[0].split(",")]
        if any(s not in _CTSTATE_ORDER for s in states):
            raise UnsupportedRule(f"unknown conntrack state in {args[0]!r}")
        return (",".join(sorted(set(states), key=_CTSTATE_ORDER.index)),)
    if name == "--mark":
        value, _, mask = args[0].partition("/")
        return (_hex(value) + (f"/{_hex(mask)}" if mask else ""),)
    if name == "--set-xmark":
        value, _, mask = args[0].partition("/")
        number = int(_hex(value), 16)
        mask_number = int(_hex(mask), 16) if mask else 0xFFFFFFFF
        if owner == "--set-mark":
            mask_number |= number
        return (f"{hex(number)}/{hex(mask_number)}",)
    if name in ("--src-type", "--dst-type"):
        kind = args[0].upper()
        if kind not in _ADDRTYPES:
            raise UnsupportedRule(f"unknown address type {args[0]!r}")
        return (kind,)
    if name in ("--to-destination", "--to-source"):
        addr, sep, port = args[0].partition(":") if family == 4 else (args[0], "", "")
        canonical_address(addr, family)  # validates
        return (addr + sep + port,)
    return args


class _Parser:
    def __init__(self, text: str, family: int) -> None:
        if any(ch in text for ch in "\"'\\"):
            try:
                self.tokens = shlex.split(text)
            except ValueError as exc:
                raise UnsupportedRule(f"cannot tokenize {text!r}: {exc}") from exc
        else:
            self.tokens = text.split()
        self.family = family
        self.pos = 0
        self.basic: dict[str, Negatable] = {}
        self.matches: list[tuple[str, list[Option]]] = []
        self.target: str | None = None
        self.goto = False
        self.target_options: list[Option] = []
        self.context: str | None = None  # "match" or "target"

    def take(self) -> str:
        if self.pos >= len(self.tokens):
            raise UnsupportedRule("option without its argument")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> ParsedRule:
        while self.pos < len(self.tokens):
            negated = False
            token = self.take()
            if token == "!":
                negated = True
                token = self.take()
            if token in _BASIC:
                self._basic(_BASIC[token], self.take(), negated)
            elif token in ("-m", "--match"):
                name = self.take()
                if name not in _MATCHES:
                    raise UnsupportedRule(f"unsupported match {name!r}")
                self.matches.append((name, []))
                self.context = "match"
            elif token in ("-j", "--jump", "-g", "--goto"):
                if self.target is not None:
                    raise UnsupportedRule("more than one target")
                self.target = self.take()
                self.goto = token in ("-g", "--goto")
                self.context = "target"
            elif token.startswith("--"):
                self._option(token, negated)
            else:
                raise UnsupportedRule(f"unsupported token {token!r}")
        return self._finish()

    def _basic(self, field: str, value: str, negated: bool) -> None:
        if field in self.basic:
            raise UnsupportedRule(f"{field} given twice")
        if field in ("source", "destination"):
            canon = canonical_address(value, self.family)
            if canon is None:
                if negated:
                    raise UnsupportedRule("negated 'any' address")
                return
            value = canon
        elif field == "protocol":
            value = _PROTOCOLS.get(value.lower(), value.lower())
            if value == "all":
                return
        self.basic[field] = Negatable(value, negated)

    def _option(self, token: str, negated: bool) -> None:
        if self.context == "target":
            assert self.target is not None
            known = _TARGETS.get(self.target)
            if known is None or token not in known:
                raise UnsupportedRule(f"unsupported option {token!r} for target {self.target!r}")
            canon, nargs = known[token]
            args = tuple(self.take() for _ in range(nargs))
            self.target_options.append(Option(canon, _canon_option(token, canon, args, self.family), negated))
            return
        if self.context != "match":
            # An option of the protocol's implicit match: "-p udp --dport 53".
            proto = self.basic.get("protocol")
            if proto is None or proto.value not in ("tcp", "udp") or token not in _MATCHES[proto.value]:
                raise UnsupportedRule(f"option {token!r} outside a match")
            self.matches.insert(0, (proto.value, []))
            self.context = "match"
        name, options = self.matches[-1]
        known_opts = _MATCHES[name]
        if token not in known_opts:
            raise UnsupportedRule(f"unsupported option {token!r} for match {name!r}")
        canon, nargs = known_opts[token]
        args = tuple(self.take() for _ in range(nargs))
        options.append(Option(canon, _canon_option(token, canon, args, self.family), negated))

    def _finish(self) -> ParsedRule:
        matches = []
        for name, options in self.matches:
            order = _MATCH_ORDER[name]
            matches.append(Match(name, tuple(sorted(options, key=lambda o: order.index(o.name)))))
        target_options = list(self.target_options)
        if self.target is not None and self.target not in _TARGETS and target_options:
            raise UnsupportedRule(f"options given to chain jump {self.target!r}")
        if self.target == "REJECT" and not target_options:
            default = "icmp-port-unreachable" if self.family == 4 else "icmp6-port-unreachable"
            target_options.append(Option("--reject-with", (default,)))
        return ParsedRule(
            family=self.family,
            source=self.basic.get("source"),
            destination=self.basic.get("destination"),
            in_interface=self.basic.get("in_interface"),
            out_interface=self.basic.get("out_interface"),
            protocol=self.basic.get("protocol"),
            matches=tuple(matches),
            target=self.target,
            target_options=tuple(target_options),
            goto=self.goto,
        )


def parse_rule(text: str, family: int = 4) -> ParsedRule:
    """Parse one rule (the part after ``-A <chain>``).

    :raises UnsupportedRule: the rule uses vocabulary outside this module's.
    """
    return _Parser(text, family).parse()


def canonical(text: str, family: int = 4) -> str:
    """``text`` as iptables-save would print it, or whitespace-normalised."""
    try:
        return parse_rule(text, family).render()
    except UnsupportedRule:
        return " ".join(text.split())


def jump_target(text: str) -> str | None:
    """The chain or target named by ``-j``/``-g`` in ``text`` (cheap, no parse)."""
    tokens = text.split()
    for index, token in enumerate(tokens[:-1]):
        if token in ("-j", "--jump", "-g", "--goto"):
            return tokens[index + 1]
    return None
