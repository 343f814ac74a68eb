"""What a Transfer server holds that no API returns: its SSH host key and its FTPS certificate's
private key (patch 27).

AWS: CreateServer takes HostKey, "the RSA, ECDSA, or ED25519 private key to use for your
SFTP-enabled server"; without one Transfer makes a key of its own. DescribeServer returns only
HostKeyFingerprint, "equivalent to the output of the `ssh-keygen -l -f my-new-server-key`
command" (Transfer API reference, CreateServer HostKey; DescribedServer HostKeyFingerprint).
For FTPS the server uses the ACM certificate named by Certificate; ACM keeps the private key of
an imported certificate and hands it to the services it is associated with, never back to the
customer (Transfer user guide, "Create an FTPS-enabled server"; ACM user guide, importing).

moto 5.2 stores HostKey as the fingerprint itself (and with it the private key in every
DescribeServer) and has no key when none was given. This patch gives each server a real key:
the one CreateServer/UpdateServer sent, or a new RSA 2048-bit key (the size of the API
reference's example; which type Transfer picks itself is not documented), and a fingerprint
computed as `ssh-keygen -l` prints it: "SHA256:" + unpadded base64 of the SHA-256 of the public
key's SSH wire encoding.

The Transfer stand-in (emulator/transfer-stand-in/) plays the server: it needs the host key
and the certificate's key, which it reads from a launcher path, not an AWS API:
    GET /_launcher/transfer/service-keys?serverId=s-...
    -> {"serverId", "hostKey": "<OpenSSH private key>", "hostKeyFingerprint",
        "certificate": null | {"arn", "certificate", "chain", "privateKey"}}
The certificate is looked up in the emulator's ACM in the server's account and in the region
of its ARN; a missing certificate answers null with "certificateProblem".
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Callable
from urllib.parse import parse_qs

from . import common


def _private_key(text: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    data = text.encode()
    if b"OPENSSH PRIVATE KEY" in data:
        return serialization.load_ssh_private_key(data, password=None)
    return serialization.load_pem_private_key(data, password=None)


def _new_host_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _openssh_private(key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def fingerprint(key: Any) -> str:
    """`ssh-keygen -l` style: SHA256 of the public key blob, base64 without padding."""
    from cryptography.hazmat.primitives import serialization

    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    blob = base64.b64decode(line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _set_host_key(server: Any, text: str | None) -> None:
    key = _private_key(text) if text else _new_host_key()
    server._launcher_host_key = _openssh_private(key)
    server.host_key_fingerprint = fingerprint(key)


def _find_server(server_id: str) -> Any:
    from moto.transfer.models import transfer_backends

    for account_backends in transfer_backends.values():
        for backend in account_backends.values():
            server = backend.servers.get(server_id)
            if server is not None:
                return server, backend
    return None, None


def service_keys(query: str) -> tuple[int, dict[str, Any]]:
    """The launcher path's answer: (HTTP status, body)."""
    server_id = (parse_qs(query).get("serverId") or [""])[0]
    server, backend = _find_server(server_id)
    if server is None:
        return 404, {"error": f"unknown Transfer server: {server_id!r}"}
    if not getattr(server, "_launcher_host_key", None):
        _set_host_key(server, None)
    body: dict[str, Any] = {
        "serverId": server_id,
        "hostKey": server._launcher_host_key,
        "hostKeyFingerprint": server.host_key_fingerprint,
        "certificate": None,
    }
    arn = getattr(server, "certificate", None)
    if arn:
        from moto.acm.models import acm_backends

        region = arn.split(":")[3] if arn.count(":") >= 5 else backend.region_name
        try:
            bundle = acm_backends[backend.account_id][region].get_certificate(arn)
            body["certificate"] = {
                "arn": arn,
                "certificate": bundle.cert.decode() if isinstance(bundle.cert, bytes) else bundle.cert,
                "chain": (bundle.chain.decode() if isinstance(bundle.chain, bytes) else bundle.chain) or "",
                "privateKey": bundle.key.decode() if isinstance(bundle.key, bytes) else bundle.key,
            }
        except Exception as problem:  # not in ACM: a fake ARN, another account, a deleted certificate
            body["certificateProblem"] = f"{type(problem).__name__}: {problem}"
    return 200, body


def patch_transfer_service_keys() -> None:
    from moto.transfer.models import TransferBackend
    from moto.transfer.responses import TransferResponse

    def create(original: Callable[..., Any]) -> Callable[..., Any]:
        def create_server(self: Any, **kwargs: Any) -> str:
            server_id = original(self, **kwargs)
            _set_host_key(self.servers[server_id], kwargs.get("host_key"))
            return server_id

        return create_server

    def update(original: Callable[..., Any]) -> Callable[..., Any]:
        def update_server(self: Any) -> str:
            answer = original(self)
            params = json.loads(self.body)
            if params.get("HostKey"):
                server = self.transfer_backend.servers[params["ServerId"]]
                _set_host_key(server, params["HostKey"])
            return answer

        return update_server

    common.wrap(TransferBackend, "create_server", create)
    common.wrap(TransferResponse, "update_server", update)
    common.PATCHES.append("transfer-service-keys")
