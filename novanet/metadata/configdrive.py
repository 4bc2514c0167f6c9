"""Config drives: the metadata tree on a disk image labelled ``config-2``.

Theory of operation
-------------------
A guest on a network without DHCP cannot reach the metadata service before
its network is up, so it must find its network configuration on a disk:
cloud-init's ConfigDrive datasource looks for a file system labelled
``config-2`` (reference §5.1). :func:`build_config_drive` writes the tree of
:meth:`InstanceMetadata.drive_files` (every OpenStack version and
``latest``, ``openstack/content/0000`` for injected networks, the EC2
``meta-data.json``) into such an image:

* ``iso9660`` (default, attached as a cdrom): written by pycdlib, pure
  Python, with the names genisoimage gets from nova's flags
  (``-J -r -allow-lowercase -allow-multidot -l -V config-2``): ISO 9660
  interchange level 4 (lower-case, multi-dot names as they are), Joliet
  level 3 and Rock Ridge 1.09 carrying the same names.
* ``vfat`` (attached as a disk): a 64 MiB FAT image made by ``mkfs.vfat``
  and filled by ``mcopy`` (dosfstools, mtools), no mounting and no root.

The image is written to a temporary file beside ``path`` and renamed over
it, so a reader never sees half a drive.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping

import pycdlib

from novanet import exception
from novanet.metadata.content import InstanceMetadata
from novanet.metadata.options import MetadataOptions
from novanet.metadata.source import InstanceRecord

LABEL = "config-2"
FORMATS = ("iso9660", "vfat")
VFAT_SIZE = 64 * 1024 * 1024
PUBLISHER = "novanet"


def _directories(files: Mapping[str, bytes]) -> list[str]:
    """Every directory of ``files``' paths, parents first."""
    dirs: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:depth]))
    return sorted(dirs, key=lambda d: (d.count("/"), d))


def write_iso(files: Mapping[str, bytes], path: str) -> None:
    """Write ``files`` (relative path to content) as a ``config-2`` ISO 9660 image."""
    iso = pycdlib.PyCdlib()
    iso.new(
        interchange_level=4,
        joliet=3,
        rock_ridge="1.09",
        vol_ident=LABEL,
        pub_ident_str=PUBLISHER,
        app_ident_str=PUBLISHER,
    )
    try:
        for directory in _directories(files):
            name = directory.rsplit("/", 1)[-1]
            iso.add_directory(f"/{directory}", rr_name=name, joliet_path=f"/{directory}")
        for rel, body in sorted(files.items()):
            name = rel.rsplit("/", 1)[-1]
            # NOTE(pycdlib): at interchange level 4 the ISO 9660 name may be
            # lower case with several dots, as genisoimage's -allow-lowercase
            # -allow-multidot make it; ";1" is the mandatory file version.
            iso.add_fp(io.BytesIO(body), len(body), f"/{rel};1", rr_name=name, joliet_path=f"/{rel}")
        iso.write(path)
    finally:
        iso.close()


def write_vfat(files: Mapping[str, bytes], path: str, run: Callable[..., object] = subprocess.run) -> None:
    """Write ``files`` as a ``config-2`` FAT image (mkfs.vfat + mcopy, no mount).

    :raises DriverError: dosfstools or mtools missing or failing.
    """
    for tool in ("mkfs.vfat", "mcopy"):
        if shutil.which(tool) is None:
            raise exception.DriverError(
                reason=f"{tool} is needed for vfat config drives (install dosfstools and mtools)"
            )
    with open(path, "wb") as image:
        image.truncate(VFAT_SIZE)
    with tempfile.TemporaryDirectory(prefix="novanet-cd-") as staging:
        for rel, body in files.items():
            target = os.path.join(staging, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(body)
        tops = sorted({rel.split("/", 1)[0] for rel in files})
        commands = [["mkfs.vfat", "-n", LABEL, path]]
        commands += [["mcopy", "-s", "-i", path, os.path.join(staging, top), "::/"] for top in tops]
        env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
        for command in commands:
            try:
                run(command, check=True, capture_output=True, env=env)
            except subprocess.CalledProcessError as exc:
                stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else str(exc.stderr)
                raise exception.ProcessExecutionError(
                    cmd=" ".join(command), exit_code=exc.returncode, stderr=stderr.strip()
                ) from exc


def build_config_drive(
    record: InstanceRecord,
    path: str,
    fmt: str = "iso9660",
    options: MetadataOptions | None = None,
) -> dict[str, bytes]:
    """Write the config drive of ``record`` to ``path``; returns the files written.

    :param fmt: ``iso9660`` or ``vfat`` ([metadata] config_drive_format).
    :param options: content settings (DHCP domain, template); defaults.
    :raises InvalidInput: an unknown ``fmt``.
    :raises DriverError: the vfat tools are missing or fail.
    """
    if fmt not in FORMATS:
        raise exception.InvalidInput(reason=f"config drive format {fmt!r} is not one of {', '.join(FORMATS)}")
    files = InstanceMetadata(record, options or MetadataOptions()).drive_files()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".config-drive-", dir=directory)
    os.close(fd)
    try:
        if fmt == "iso9660":
            write_iso(files, tmp)
        else:
            write_vfat(files, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return files
