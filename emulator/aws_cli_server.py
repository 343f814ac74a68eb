#!/usr/bin/env python3
"""Runs AWS CLI commands for the tests and the demo without starting a new CLI each time.

The tests and `npm run demo` read back what the emulator holds with the AWS CLI (`aws()` in
emulator/client.ts), several hundred times a run. Each `aws` process spends about half a second
of CPU importing the CLI and reading AWS's service models before it sends one request; on a
2-core machine running several end-to-end suites at once that was minutes of CPU per run.

This process imports the CLI once, builds its command tables and reads the service models the
project uses, then serves each command in a child forked from that warm state: the child takes the
request's environment and arguments, runs the CLI's own entry point (awscli.clidriver, the code
behind `aws`), and sends back its exit status, stdout and stderr. A fork shares nothing with
later commands, so a command cannot see another's environment or credentials, and commands run
concurrently. What a command prints, and its exit status, are those of `aws` itself.

Protocol (one connection per command, on the UNIX socket named by the first line this process
prints, `aws_cli_server: ready <path>`): the client sends one JSON line
{"args": [...], "env": {...}}; the server answers with a line {"pid": N} (so that a client can kill
a command it stopped waiting for), then one line {"code", "stdout", "stderr"}. The process exits
when its standard input closes (its parent is gone) or on SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import tempfile
import threading
from typing import Any

# The services whose models the project's commands read back (`aws <service> ...`), loaded once
# before the first fork; a command for another service still works, reading its model itself.
WARM_SERVICES = (
    "ec2", "elbv2", "transfer", "iam", "s3api", "s3", "sts", "lambda", "ssm", "route53",
    "secretsmanager", "dynamodb", "kms", "logs", "cloudwatch", "sns", "acm",
)


def warm_driver() -> Any:
    from awscli.clidriver import create_clidriver

    driver = create_clidriver()
    table = driver._get_command_table()
    loader = driver.session.get_component("data_loader")
    for name in WARM_SERVICES:
        command = table.get(name)
        if command is None:
            continue
        if hasattr(command, "_get_command_table"):
            command._get_command_table()
        service = "s3" if name in ("s3api", "s3") else name
        driver.session.get_service_model(service)
        for kind in ("endpoint-rule-set-1", "paginators-1", "waiters-2"):
            try:
                loader.load_service_model(service, kind)
            except Exception:  # not every service has waiters
                pass
    for data in ("partitions", "endpoints", "_retry", "sdk-default-configuration"):
        try:
            loader.load_data(data)
        except Exception:
            pass
    return driver


def run_child(driver: Any, conn: socket.socket, request: dict[str, Any]) -> None:
    """In the forked child: the request's environment, fd 1 and 2 into files, the CLI's main."""
    code = 255
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    try:
        conn.sendall((json.dumps({"pid": os.getpid()}) + "\n").encode())
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in request.get("env", {}).items()})
        # Configuration the warm-up may have read from the parent's environment is read again
        # from this command's (AWS_CONFIG_FILE, AWS_PROFILE, ...).
        session = driver.session
        for attribute in ("_config", "_credentials", "_profile"):
            if hasattr(session, attribute):
                setattr(session, attribute, None)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            code = driver.main([str(a) for a in request.get("args", [])])
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        except BaseException as error:  # the CLI's own handler prints most errors itself
            print(f"aws_cli_server: {error!r}", file=sys.stderr)
            code = 255
        sys.stdout.flush()
        sys.stderr.flush()
        out.seek(0)
        err.seek(0)
        answer = {"code": code, "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}
        conn.sendall((json.dumps(answer) + "\n").encode())
    finally:
        os._exit(0)


def read_line(conn: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
        if chunk.endswith(b"\n"):
            break
    return b"".join(chunks)


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: aws_cli_server.py <socket path>", file=sys.stderr)
        return 2
    path = sys.argv[1]
    driver = warm_driver()
    # Children are reaped by the kernel; nobody waits for them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)

    def watch_parent() -> None:
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    print(f"aws_cli_server: ready {path}", flush=True)
    while True:
        conn, _ = server.accept()
        try:
            request = json.loads(read_line(conn) or b"{}")
        except ValueError:
            conn.close()
            continue
        if os.fork() == 0:
            server.close()
            run_child(driver, conn, request)
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
