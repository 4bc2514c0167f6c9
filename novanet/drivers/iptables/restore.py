"""The default backend: ``iptables-restore --noflush`` in the target namespace.

One ``iptables-<variant>-restore --noflush -w <s>`` process per apply and
family, fed every changed table's block on stdin; ``iptables-<variant>-save``
for the rare full read. The variant (``iptables-nft-*`` or
``iptables-legacy-*``) is detected once, at construction (:mod:`.detect`).
Commands run on the namespace's worker thread (:mod:`.privileged`), so the child
processes are born inside the namespace.

NOTE(iptables-restore): ``-w`` waits for the xtables lock that every legacy
iptables command takes, instead of failing with exit code 4 when another
tool (or another novanet process) is mid-change; nft restores are kernel
transactions and ignore it. Exit code 4 is still reported as a failure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from oslo_log import log as logging

from novanet import exception
from novanet.drivers.iptables import detect
from novanet.drivers.iptables.backend import describe_restore_failure
from novanet.drivers.iptables.privileged import Completed, NamespaceExecutor, read_file

LOG = logging.getLogger(__name__)

__all__ = ["RestoreBackend"]

Runner = Callable[[Sequence[str], str | None], Completed]


class RestoreBackend:
    """Entry point ``iptables-restore``; see the module docstring.

    :param runner: run a command in the namespace (tests pass a fake);
        default: the namespace's worker thread.
    :param read_proc: read a /proc file in the namespace (tests pass a fake).
    """

    def __init__(self, namespace: str = "", variant: str = "auto", xtables_wait: int = 10, *,
                 runner: Runner | None = None, read_proc: Callable[[str], str | None] | None = None) -> None:
        self.namespace = namespace
        self.xtables_wait = xtables_wait
        self._executor: NamespaceExecutor | None = None
        if runner is None:
            self._executor = NamespaceExecutor(namespace)
            executor = self._executor
            runner = executor.run
            read_proc = read_proc or (lambda path: executor.call(read_file, path))
        self._run = runner
        try:
            self.variant = detect.detect_variant(runner, read_proc or read_file, variant, namespace)
        except Exception:
            self.close()
            raise
        LOG.info("iptables backend: %s restore in %s", self.variant,
                 f"namespace {namespace}" if namespace else "the host namespace")

    def _tool(self, family: int, kind: str) -> str:
        return f"{'ip6tables' if family == 6 else 'iptables'}-{self.variant}-{kind}"

    def save(self, family: int) -> str:
        result = self._run([self._tool(family, "save")], None)
        if result.returncode != 0:
            raise exception.ProcessExecutionError(cmd=" ".join(result.argv), exit_code=result.returncode,
                                                  stderr=result.stderr.strip())
        return result.stdout

    def restore(self, family: int, text: str) -> None:
        argv = [self._tool(family, "restore"), "--noflush", "-w", str(self.xtables_wait)]
        result = self._run(argv, text)
        if result.returncode != 0:
            detail = describe_restore_failure(text, result.stderr)
            LOG.error("%s failed with exit code %s: %s", " ".join(argv), result.returncode, detail)
            raise exception.ProcessExecutionError(cmd=" ".join(argv), exit_code=result.returncode, stderr=detail)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.close()
            self._executor = None
