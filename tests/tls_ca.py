"""A private "studio" certificate authority and a server certificate for 127.0.0.1, made with openssl.

For the HTTPS tests: rclone serves S3 over TLS with a certificate that no public CA signed,
as a studio's internal storage does; rfsync must trust it only when told (``REQUESTS_CA_BUNDLE``
or the platform's ``ca_bundle``).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class StudioCA:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def openssl_missing() -> bool:
    return shutil.which("openssl") is None


def make_studio_ca(folder: Path) -> StudioCA:
    """A CA (10 days) and a server certificate for IP 127.0.0.1 and localhost, signed by it."""
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=folder, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "10",
        "-subj", "/CN=rfsync test studio CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                    "extendedKeyUsage=serverAuth\n", encoding="utf-8")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "10", "-extfile", "ext.cnf")
    return StudioCA(folder / "ca.pem", folder / "server.pem", folder / "server.key")
