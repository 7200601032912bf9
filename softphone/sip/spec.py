"""Plain-data configuration for the SIP engine: endpoint settings and account identities.

No pjsua2 here; the engine translates these into pjsua2 config objects on the SIP thread.
Passwords never appear in ``repr()`` or ``to_log_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from softphone.sip.events import SrtpMode, Transport


@dataclass(frozen=True)
class EndpointSpec:
    """Endpoint-wide settings (one per process)."""

    bind_address: str = ""  # "" = all interfaces; tests use 127.0.0.1
    udp_port: int | None = 0  # None = no UDP transport; 0 = any free port
    tcp_port: int | None = 0
    tls_port: int | None = None  # None = no TLS listener (client TLS still possible if built)
    tls_verify_server: bool = True
    tls_ca_file: str = ""  # "" = system store
    rtp_port: int = 4000  # first RTP port; pjsua picks upward from here
    rtp_port_range: int = 2000
    clock_rate: int = 16000
    ptime_ms: int = 20
    user_agent: str = "Sampark"
    log_level: int = 3  # pjsip log level routed into Python logging (scrubbed)
    stats_interval_s: float = 1.0
    srtp: SrtpMode = SrtpMode.OPTIONAL
    srtp_secure_signaling: int = 0  # 0: SRTP allowed over any transport
    no_vad: bool = True
    ec_tail_ms: int = 0  # echo canceller tail; 0 disables (bridge backend has none)
    media_quality: int = 8  # pjsua codec/resampler quality 1..10 (3-4: small resample filter)
    # Offer order: what PBXes and trunks speak first (wideband G.722, then G.711 A-law as used
    # on Indian networks, then µ-law); pjsua's own default would put speex first.
    codec_priorities: tuple[tuple[str, int], ...] = (
        ("G722/16000", 140),
        ("PCMA/8000", 135),
        ("PCMU/8000", 134),
        ("speex/16000", 110),
        ("speex/8000", 109),
        ("speex/32000", 108),
        ("iLBC/8000", 100),
        ("GSM/8000", 100),
    )


@dataclass(frozen=True)
class AccountSpec:
    """One SIP identity. ``registrar`` empty means no registration (local account)."""

    user: str
    domain: str
    password: str = field(default="", repr=False)
    auth_user: str = ""  # defaults to ``user``
    registrar: str = ""  # e.g. "sip:127.0.0.1:5060"; "" = do not register
    proxy: str = ""  # outbound proxy URI, optional
    transport: Transport = Transport.UDP
    display_name: str = ""
    register_expires_s: int = 300
    retry_interval_s: int = 30  # re-register after failure / network return
    srtp: SrtpMode | None = None  # None = endpoint default
    dtmf_fallback_info: bool = True  # use SIP INFO when RFC 4733 is not negotiated

    @property
    def uri(self) -> str:
        name = f'"{self.display_name}" ' if self.display_name else ""
        return f"{name}<sip:{self.user}@{self.domain}>"

    def to_log_dict(self) -> dict[str, object]:
        return {
            "user": self.user,
            "domain": self.domain,
            "registrar": self.registrar,
            "proxy": self.proxy,
            "transport": self.transport.value,
            "password": "***" if self.password else "",
        }
