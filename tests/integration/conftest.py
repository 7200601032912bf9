"""Registers the SIP integration fixtures defined in ``siptest.py`` (see its docstring).

The helper names are re-exported for older ``from conftest import ...`` lines; new code
imports them from ``siptest`` (a unique module name, unlike ``conftest``).
"""

from siptest import (  # noqa: F401 — pytest finds fixtures by name in conftest
    LOOPBACK,
    EventLog,
    engine,
    engine_factory,
    events,
    free_port,
    free_rtp_base,
    kamailio,
    sipp,
    tls_front,
    wait_until,
)
