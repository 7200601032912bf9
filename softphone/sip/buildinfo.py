"""pjsua2 build facts (version, TLS, SRTP, codecs, sound devices) for ``sampark doctor``.

Creates and destroys a temporary endpoint, so it must not run while a ``SipEngine`` is running
in this process (pjsua2 allows one endpoint per process).
"""

from __future__ import annotations

import pjsua2 as pj


def _tls_available(ep: pj.Endpoint) -> bool:
    try:
        return len(ep.utilSslGetAvailableCiphers()) > 0
    except pj.Error:
        return False


def _srtp_suites(ep: pj.Endpoint) -> list[str]:
    try:
        return [str(c) for c in ep.srtpCryptoEnum()]
    except pj.Error:
        return []


def endpoint_facts(ep: pj.Endpoint) -> dict[str, object]:
    """Facts readable from a live, initialised endpoint (used by the engine too)."""
    return {
        "pjsip_version": str(ep.libVersion().full),
        "tls": _tls_available(ep),
        "srtp": _srtp_suites(ep),
        "codecs": [str(c.codecId) for c in ep.codecEnum2()],
    }


def _sound_device_count(ep: pj.Endpoint) -> int:
    try:
        return int(ep.audDevManager().getDevCount())
    except pj.Error:
        return 0


def build_info() -> dict[str, object]:
    ep = pj.Endpoint()
    ep.libCreate()
    try:
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0
        cfg.uaConfig.mainThreadOnly = True
        cfg.logConfig.level = 0
        cfg.logConfig.consoleLevel = 0
        ep.libInit(cfg)
        facts = endpoint_facts(ep)
        facts["sound_devices"] = _sound_device_count(ep)
        facts["known_limits"] = [
            "no native sound devices in this wheel (PortAudio bridge used)",
            "SRTP keys drawn from a weak random generator in this wheel",
            "pjsip 2.15.1 lacks upstream security fixes released since",
        ]
        return facts
    finally:
        ep.libDestroy()
