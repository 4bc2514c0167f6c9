#!/usr/bin/env bash
# Set up this machine for novanet and run the whole test suite.
#
#   tools/run_tests.sh                 everything (unit, functional, integration)
#   tools/run_tests.sh tests/unit      any pytest arguments narrow it down
#
# Functional tests need root (network namespaces); integration tests use the
# local PostgreSQL, MariaDB and RabbitMQ (NOVANET_TEST_PG_URL,
# NOVANET_TEST_MYSQL_URL, NOVANET_TEST_RABBIT_URL override their addresses).
# A missing service skips its tests with the reason; NOVANET_REQUIRE_SERVICES=1
# turns those skips into failures.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${NOVANET_VENV:-$top/.venv}

bash "$top/tools/install.sh"
bash "$top/tools/get_cloud_init.sh" >/dev/null

cd "$top"
exec "$venv/bin/python" -m pytest "$@"
