"""One client of the race test, in its own process: its own manager, driver,
switch and store connections; only the store's node lock stands between it
and the other one.

    python -m tests.functional.baremetal.race_worker CONFIG NODE METHOD GO_FILE

It creates ``GO_FILE.<METHOD>.ready`` once everything is imported and built,
then waits for GO_FILE.
"""

from __future__ import annotations

import os
import sys
import time

from novanet import exception
from novanet.conf import CONF


def main() -> int:
    config, node, method, go = sys.argv[1:5]
    CONF(["--config-file", config], project="novanet", default_config_files=[])
    from novanet.drivers.host import LinuxNetDriver
    from novanet.manager.flat import FlatDHCPManager

    driver = LinuxNetDriver(CONF)
    networks = FlatDHCPManager("bm-host", driver=driver).baremetal
    with open(f"{go}.{method}.ready", "w"):
        pass
    while not os.path.exists(go):
        time.sleep(0.001)
    try:
        networks.switch(node, method)
        print("ok")
    except exception.NovanetError as error:
        print(type(error).__name__)
    finally:
        driver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
