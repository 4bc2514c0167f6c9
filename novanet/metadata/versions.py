"""Which metadata versions novanet offers, and which files each holds.

Theory of operation
-------------------
Like nova, the OpenStack tree is versioned by release date and every version
offers exactly the files that existed at that date; ``latest`` is the
newest. novanet offers nova's versions up to ``2018-08-27`` (Rocky), the
newest one cloud-init knows (even at its HEAD), so cloud-init reads that
folder, from the service and from the drive alike. Later nova versions only
added compute-side facts (dedicated CPUs, shares) that novanet does not have.

Per version (nova's gating): ``meta_data.json`` always; ``user_data`` when
the instance has user data; ``vendor_data.json`` from 2013-10-17 and
``vendor_data2.json`` from 2016-10-06 (both ``{}``: novanet has no vendor
data providers, and cloud-init reads ``{}`` as "none"); ``network_data.json``
from 2015-10-15. Unlike nova, an older version does not answer
``network_data.json`` either: a folder serves exactly what it lists, so every
version folder is complete and consistent on the service and the drive.
novanet keeps no instance passwords, so ``password`` is never offered.

The HTTP listing hides versions dated after today (nova's rule, so a clock
set back never advertises what a guest cannot rely on); they still answer
when asked by name, and the config drive holds them all.
"""

from __future__ import annotations

import datetime

LATEST = "latest"

FOLSOM = "2012-08-10"
GRIZZLY = "2013-04-04"
HAVANA = "2013-10-17"
LIBERTY = "2015-10-15"
NEWTON_ONE = "2016-06-30"
NEWTON_TWO = "2016-10-06"
OCATA = "2017-02-22"
ROCKY = "2018-08-27"

#: OpenStack metadata versions, oldest first.
OPENSTACK_VERSIONS: tuple[str, ...] = (FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY)

#: EC2 metadata versions (answered with one tree), oldest first.
EC2_VERSIONS: tuple[str, ...] = (
    "1.0",
    "2007-01-19",
    "2007-03-01",
    "2007-08-29",
    "2007-10-10",
    "2007-12-15",
    "2008-02-01",
    "2008-09-01",
    "2009-04-04",
)

#: EC2 versions written to a config drive (nova's config_drive_skip_versions
#: default leaves only these).
EC2_DRIVE_VERSIONS: tuple[str, ...] = ("2009-04-04", LATEST)

META_DATA = "meta_data.json"
USER_DATA = "user_data"
VENDOR_DATA = "vendor_data.json"
VENDOR_DATA2 = "vendor_data2.json"
NETWORK_DATA = "network_data.json"


def resolve_openstack(version: str) -> str | None:
    """The concrete version ``version`` names (``latest`` is the newest), or None."""
    if version == LATEST:
        return OPENSTACK_VERSIONS[-1]
    return version if version in OPENSTACK_VERSIONS else None


def resolve_ec2(version: str) -> str | None:
    if version == LATEST:
        return EC2_VERSIONS[-1]
    return version if version in EC2_VERSIONS else None


def listed_openstack_versions(today: datetime.date | None = None) -> list[str]:
    """The versions the ``/openstack`` listing shows: dated no later than today, then ``latest``."""
    today = today or datetime.date.today()
    shown = [v for v in OPENSTACK_VERSIONS if datetime.date.fromisoformat(v) <= today]
    return shown + [LATEST]


def openstack_files(version: str, has_user_data: bool) -> list[str]:
    """The files of the concrete OpenStack ``version``, in listing order."""
    files = [META_DATA]
    if has_user_data:
        files.append(USER_DATA)
    if version >= HAVANA:
        files.append(VENDOR_DATA)
    if version >= LIBERTY:
        files.append(NETWORK_DATA)
    if version >= NEWTON_TWO:
        files.append(VENDOR_DATA2)
    return files
