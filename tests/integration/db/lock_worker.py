"""A separate process trying to take a baremetal node's lock, for the lock test.

Usage: python -m tests.integration.db.lock_worker URL NODE_ID HOLDER RELEASE_FILE
Waits for NOVANET_START_FILE, tries once, prints ``won`` or ``lost <holder>``;
a winner holds the lock until RELEASE_FILE exists, then gives it back.
"""

from __future__ import annotations

import datetime
import os
import sys
import time

from novanet.conf import CONF


def main() -> None:
    url, node_id, holder, release = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    CONF([], project="novanet", default_config_files=[])
    CONF.set_override("connection", url, group="database")
    from novanet.db import baremetal as bmdb
    from novanet.db.models import utcnow

    start = os.environ["NOVANET_START_FILE"]
    while not os.path.exists(start):
        time.sleep(0.002)
    current = bmdb.node_reserve(node_id, holder, utcnow() - datetime.timedelta(seconds=600))
    if current is None:
        print("won", flush=True)
        while not os.path.exists(release):
            time.sleep(0.01)
        assert bmdb.node_release(node_id, holder)
    else:
        print(f"lost {current}", flush=True)


if __name__ == "__main__":
    main()
