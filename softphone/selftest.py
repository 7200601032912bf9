"""The checks ``sampark doctor`` adds for IT (``Sampark --self-test`` = ``doctor --self-test``).

Each returns a plain dict with ``ok`` (and ``error`` when not ok), for text or JSON output:

* ``modules_report(packages)`` imports every module of the packages (a frozen bundle that
  misses a hidden import or a data file fails here, not in front of a caller).
* ``tls_report()`` Python's TLS stack: OpenSSL version, a default context, the CA bundle
  ``requests`` verifies the server with.
* ``server_report(url, verify)`` ``GET <server>/healthz`` with certificate verification.
* ``journal_report(path)`` opens the journal the app uses (migrations + ``PRAGMA
  quick_check``) and counts its outbox; a journal not created yet is fine.
"""

from __future__ import annotations

import importlib
import pkgutil
import ssl
import time
from pathlib import Path
from typing import Any

APP_PACKAGES = ("softphone", "server", "ui")
# Modules that only run inside another tool (alembic's env script) or as a program, and the
# central server's PostgreSQL-only code (the desktop bundle leaves the PostgreSQL driver out:
# the embedded demo server runs on SQLite).
SKIPPED_SUFFIXES = (".__main__", "server.migrations.env", "server.outcomes_pg")


def modules_report(packages: tuple[str, ...] = APP_PACKAGES) -> dict[str, Any]:
    """Import every module of ``packages``; ``failed`` lists name → error."""
    start = time.monotonic()
    loaded, failed = 0, {}
    for package in packages:
        try:
            root = importlib.import_module(package)
        except Exception as exc:
            failed[package] = f"{type(exc).__name__}: {exc}"
            continue
        loaded += 1
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if info.name.endswith(SKIPPED_SUFFIXES):
                continue
            try:
                importlib.import_module(info.name)
                loaded += 1
            except Exception as exc:
                failed[info.name] = f"{type(exc).__name__}: {exc}"
    report: dict[str, Any] = {
        "ok": not failed and loaded > len(packages),
        "loaded": loaded,
        "failed": failed,
        "seconds": round(time.monotonic() - start, 2),
    }
    if not report["ok"]:
        report["error"] = "; ".join(f"{k}: {v}" for k, v in failed.items()) or "no modules"
    return report


def tls_report() -> dict[str, Any]:
    """Python TLS (server HTTPS): OpenSSL, a verifying context and the CA bundle."""
    report: dict[str, Any] = {"openssl": ssl.OPENSSL_VERSION}
    try:
        context = ssl.create_default_context()
        report["system_cas"] = context.cert_store_stats().get("x509_ca", 0)
        import certifi

        bundle = Path(certifi.where())
        report["ca_bundle"] = str(bundle)
        if not bundle.is_file():
            raise FileNotFoundError(f"CA bundle missing: {bundle}")
        context.load_verify_locations(cafile=str(bundle))
    except Exception as exc:
        report.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        return report
    report["ok"] = True
    return report


def server_report(url: str, verify: bool = True, timeout: float = 5.0) -> dict[str, Any]:
    """``GET <url>/healthz`` (TLS verified unless ``verify`` is False)."""
    import requests

    target = url.rstrip("/") + "/healthz"
    report: dict[str, Any] = {"url": target, "tls_verify": verify}
    start = time.monotonic()
    try:
        response = requests.get(target, timeout=timeout, verify=verify)
        report["status"] = response.status_code
        report["rtt_ms"] = round((time.monotonic() - start) * 1000.0, 1)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        report["answer"] = response.json()
    except Exception as exc:
        report.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        return report
    report["ok"] = True
    return report


def journal_report(path: Path | None = None) -> dict[str, Any]:
    """Open the journal (integrity check) and count its outbox; absent is fine."""
    from softphone.journal import journal as journal_mod

    path = path or journal_mod.default_path()
    report: dict[str, Any] = {"path": str(path)}
    if not path.exists():
        report.update(ok=True, exists=False)
        return report
    report["exists"] = True
    try:
        journal = journal_mod.Journal(path)
    except Exception as exc:
        report.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        return report
    try:
        counts = journal.counts()
        report.update(waiting=counts.waiting, rejected=counts.rejected, conflict=counts.conflict)
        report["ok"] = True
    except Exception as exc:
        report.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    finally:
        journal.close()
    return report


def version() -> str:
    """The installed package version (stamped into the bundle's metadata)."""
    from importlib import metadata

    try:
        return metadata.version("sampark")
    except metadata.PackageNotFoundError:
        return "0+unknown"
