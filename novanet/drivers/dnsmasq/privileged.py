"""Every host-touching call of the dnsmasq driver, and nothing else.

This is the only module of the driver that writes files, reads ``/proc``,
sends signals or runs a program; it is where oslo.privsep entry points go once
the daemon drops root. The module itself is the real
:class:`~.backend.FileStore` and :class:`~.backend.ProcessTable`. Functions
take plain data and an optional namespace (a name as in ``ip netns``; empty
for the process's own) and raise :class:`novanet.exception.DriverError`
subclasses with the path, pid or command in the message.

Theory of operation
-------------------
* **Atomic files.** A file dnsmasq reads is written to a temporary file in the
  same directory and renamed over the target, so dnsmasq sees the old or the
  new content, never a part. NOTE(dnsmasq): the temporary name starts with a
  dot because dnsmasq's inotify handler skips dot files (src/inotify.c); the
  rename then arrives as ``IN_MOVED_TO`` of the final name and dnsmasq reads
  the whole file once. Files are 0644 and directories 0755: dnsmasq reads
  them after dropping root to ``nobody``. No fsync: every file is rebuilt
  from the fact store by ``init_host`` after a crash.
* **Processes are recognised, never assumed.** A pid is only described by
  :func:`read_process` if ``/proc/<pid>`` is a live (not zombie) process; the
  caller decides from its argv whether it is ours. NOTE(container): PID 1 here
  may not reap orphans promptly, so a killed daemon can linger as a zombie
  with an empty cmdline; it counts as gone.
* **Namespaces.** dnsmasq and dhcp_release run through ``ip netns exec``;
  a process's namespace is identified by the ``net:[inode]`` link in
  ``/proc/<pid>/ns/net``, compared with the inode of ``/run/netns/<name>``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence

from novanet import exception
from novanet.drivers.dnsmasq.backend import ProcessInfo

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
FILE_MODE = 0o644
DIR_MODE = 0o755


def _fail(what: str, path: str, err: OSError) -> exception.DriverError:
    return exception.DriverError(reason=f"cannot {what} {path}: {err.strerror or err}")


# -- files ------------------------------------------------------------------------


def ensure_dir(path: str) -> None:
    """Create ``path`` (mode 0755) and check dnsmasq can reach it.

    :raises InvalidConfig: if a parent directory is not searchable by other
        users, because dnsmasq, running as ``nobody``, could not read the files.
    """
    try:
        os.makedirs(path, mode=DIR_MODE, exist_ok=True)
        os.chmod(path, DIR_MODE)
    except OSError as err:
        raise _fail("create directory", path, err) from err
    parent = os.path.dirname(os.path.abspath(path))
    while True:
        try:
            mode = os.stat(parent).st_mode
        except OSError as err:
            raise _fail("inspect", parent, err) from err
        if not mode & 0o001:
            raise exception.InvalidConfig(
                reason=f"{parent} is not searchable by other users (mode {mode & 0o7777:o}); dnsmasq "
                f"drops root and could not read {path}")
        if parent == os.path.dirname(parent):
            return
        parent = os.path.dirname(parent)


def write_file(path: str, text: str, mode: int = FILE_MODE) -> None:
    """Replace ``path`` atomically with ``text`` (temporary dot file + rename)."""
    directory, name = os.path.split(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    except OSError as err:
        raise _fail("write", path, err) from err
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), mode)
        os.rename(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _fail("write", path, err) from err


def append_file(path: str, text: str) -> None:
    """Append ``text`` to ``path`` (created 0644 if missing)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        try:
            os.write(fd, text.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as err:
        raise _fail("append to", path, err) from err


def read_file(path: str) -> str | None:
    """The content of ``path``, or None if it does not exist."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise _fail("read", path, err) from err


def remove_file(path: str) -> None:
    """Remove ``path``; a missing file is success."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise _fail("remove", path, err) from err


def remove_tree(path: str) -> None:
    """Remove the directory ``path`` with its content; missing is success."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as err:
        raise _fail("remove", path, err) from err


def list_dir(path: str) -> list[str]:
    """Names in directory ``path`` (sorted); empty if it does not exist."""
    try:
        return sorted(os.listdir(path))
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as err:
        raise _fail("list", path, err) from err


# -- processes --------------------------------------------------------------------


def read_process(pid: int) -> ProcessInfo | None:
    """Argv, environment and namespace of live process ``pid``, or None if it
    is missing or a zombie.

    NOTE(kernel): a process that is exiting has an empty cmdline before it
    closes its files (exit_mm runs before exit_files), so an empty argv is
    still "alive": a killed dnsmasq holds its sockets until it is a zombie.
    Kernel threads also have an empty argv. Environment and namespace come
    back empty when they cannot be read.
    """
    base = f"/proc/{int(pid)}"
    try:
        with open(f"{base}/stat", "rb") as handle:
            stat = handle.read()
        if stat[stat.rindex(b")") + 2:][:1] in (b"Z", b"X"):
            return None
        with open(f"{base}/cmdline", "rb") as handle:
            raw = handle.read()
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    except OSError as err:
        raise _fail("read", f"{base}/cmdline", err) from err
    argv = () if not raw else tuple(part.decode("utf-8", "surrogateescape") for part in raw.rstrip(b"\0").split(b"\0"))
    environ: dict[str, str] = {}
    with contextlib.suppress(OSError), open(f"{base}/environ", "rb") as handle:
        for item in handle.read().split(b"\0"):
            key, sep, value = item.decode("utf-8", "surrogateescape").partition("=")
            if sep:
                environ[key] = value
    netns = ""
    with contextlib.suppress(OSError):
        netns = os.readlink(f"{base}/ns/net")
    return ProcessInfo(int(pid), argv, environ, netns)


def netns_identity(namespace: str) -> str:
    """``net:[inode]`` of ``namespace`` (empty: this process's namespace).

    :raises DriverError: if the namespace does not exist.
    """
    try:
        if not namespace:
            return os.readlink("/proc/self/ns/net")
        return f"net:[{os.stat(f'/run/netns/{namespace}').st_ino}]"
    except OSError as err:
        raise exception.DriverError(reason=f"network namespace {namespace!r} is not usable: {err.strerror}") from err


def send_signal(pid: int, signum: int) -> bool:
    """Signal ``pid``; False if it is gone."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return False
    except OSError as err:
        raise exception.DriverError(reason=f"cannot signal pid {pid}: {err.strerror}") from err
    return True


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` is no live process; False if it outlived ``timeout``."""
    deadline = time.monotonic() + timeout
    while read_process(pid) is not None:  # missing or zombie: its sockets are closed
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _in_namespace(argv: Sequence[str], namespace: str) -> list[str]:
    return ["ip", "netns", "exec", namespace, *argv] if namespace else list(argv)


def spawn_daemon(argv: Sequence[str], env: Mapping[str, str], namespace: str, timeout: float = 300) -> None:
    """Run a self-daemonising program and wait for its foreground part to exit.

    NOTE(dnsmasq): the foreground dnsmasq exits only after the daemon has
    read its files and bound its sockets, with a non-zero status and a message
    on stderr if that failed. stderr goes to a temporary file, not a pipe, so
    a daemon that keeps the descriptor can never block us.

    :raises ProcessExecutionError: if it fails, or is not done in ``timeout``.
    """
    cmd = _in_namespace(argv, namespace)
    full_env = {"PATH": os.environ.get("PATH") or DEFAULT_PATH, **env}
    with tempfile.TemporaryFile() as errors:
        try:
            result = subprocess.run(cmd, env=full_env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=errors, timeout=timeout, start_new_session=True, check=False)
        except FileNotFoundError as err:
            raise exception.ProcessExecutionError(cmd=" ".join(cmd), exit_code=127, stderr=str(err)) from err
        except subprocess.TimeoutExpired as err:
            raise exception.ProcessExecutionError(cmd=" ".join(cmd), exit_code="timeout",
                                                  stderr=f"not started within {timeout}s") from err
        if result.returncode != 0:
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace").strip()
            raise exception.ProcessExecutionError(cmd=" ".join(cmd), exit_code=result.returncode, stderr=stderr)


def device_exists(device: str, namespace: str) -> bool:
    """Whether network device ``device`` exists in ``namespace``."""
    if not namespace:
        return os.path.exists(f"/sys/class/net/{device}")
    result = subprocess.run(["ip", "-n", namespace, "-o", "link", "show", "dev", device],
                            capture_output=True, text=True, check=False, timeout=30)
    return result.returncode == 0


def dhcp_release(binary: str, device: str, address: str, mac: str, namespace: str) -> None:
    """Send a DHCPRELEASE for ``address``/``mac`` to the dnsmasq on ``device``.

    :raises NetworkDhcpReleaseFailed: if dhcp_release fails or is missing.
    """
    cmd = _in_namespace([binary, device, address, mac], namespace)
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=30,
                                stdin=subprocess.DEVNULL)
        detail = result.stderr.strip()
        failed = result.returncode != 0
    except (OSError, subprocess.TimeoutExpired) as err:
        detail, failed = str(err), True
    if failed:
        raise exception.NetworkDhcpReleaseFailed(
            f"Failed to release IP {address} with MAC {mac} on {device}: {detail or 'dhcp_release failed'}",
            address=address, mac_address=mac)

