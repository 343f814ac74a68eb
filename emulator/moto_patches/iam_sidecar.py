"""The long-lived Node.js process that evaluates IAM policies for the emulator (iam_evaluator.js).

The emulator does not write its own policy evaluation logic: @cloud-copilot/iam-simulate
(a devDependency of this project, AGPL-3.0, test tooling only) implements AWS's policy
evaluation logic (IAM user guide, "Policy evaluation logic": explicit deny, identity and
resource policies, same- and cross-account rules, session policies, permissions
boundaries). Starting Node per request would cost ~100 ms; one process started with the
launcher answers in about a millisecond. Requests are JSON lines with an id; answers may
come back in any order, so each caller waits for its own id.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any

from . import common, iam_request_map

EVALUATOR = Path(__file__).with_name("iam_evaluator.js")
# The simulator is resolved from the checkout's node_modules (beside emulator/).
CHECKOUT = Path(__file__).resolve().parents[2]
ANSWER_TIMEOUT_SECONDS = 30.0


class Sidecar:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._next_id = 0
        self._waiting: dict[int, dict[str, Any]] = {}
        self._events: dict[int, threading.Event] = {}

    def start(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise common.LauncherError("IAM enforcement needs `node` on PATH (it evaluates policies with @cloud-copilot/iam-simulate)")
        if not (CHECKOUT / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
            raise common.LauncherError(
                f"IAM enforcement needs @cloud-copilot/iam-simulate in {CHECKOUT / 'node_modules'} (run npm ci)"
            )
        self._process = subprocess.Popen(
            [node, str(EVALUATOR)],
            cwd=str(CHECKOUT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
            env={
                **os.environ,
                "NODE_PATH": str(CHECKOUT / "node_modules"),
                # Resource types the packaged reference lacks (ELBv2's rows of the action names it shares with the Classic API).
                "IAM_EVALUATOR_EXTRA_RESOURCE_TYPES": json.dumps(iam_request_map.ELBV2_RESOURCE_TYPES),
            },
        )
        threading.Thread(target=self._read, daemon=True, name="iam-evaluator-reader").start()
        atexit.register(self.stop)

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.close()
                process.wait(timeout=5)
            except Exception:
                process.kill()

    def _read(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        for raw in process.stdout:
            try:
                answer = json.loads(raw)
            except ValueError:
                continue
            with self._lock:
                ident = answer.get("id")
                event = self._events.get(ident)
                if event is not None:
                    self._waiting[ident] = answer
                    event.set()
        # The evaluator exited: wake everyone still waiting.
        with self._lock:
            for ident, event in self._events.items():
                self._waiting.setdefault(ident, {"error": "the IAM evaluator process exited"})
                event.set()

    def evaluate(self, simulation: dict[str, Any]) -> dict[str, Any]:
        process = self._process
        if process is None or process.poll() is not None:
            raise common.LauncherError("the IAM evaluator process is not running")
        event = threading.Event()
        with self._lock:
            self._next_id += 1
            ident = self._next_id
            self._events[ident] = event
        # Written under a lock of its own: the reader thread must always be able to deliver answers
        # (holding the answers' lock while a full pipe blocks the write could deadlock both ends).
        with self._write_lock:
            assert process.stdin is not None
            process.stdin.write((json.dumps({"id": ident, "simulation": simulation}) + "\n").encode())
            process.stdin.flush()
        try:
            if not event.wait(ANSWER_TIMEOUT_SECONDS):
                raise common.LauncherError("the IAM evaluator did not answer within 30 s")
            with self._lock:
                answer = self._waiting.pop(ident)
        finally:
            with self._lock:
                self._events.pop(ident, None)
                self._waiting.pop(ident, None)
        if "error" in answer:
            # Refused like an unmapped operation (HTTP 400, not retried): a 500 would have every
            # AWS SDK retry the request for minutes before anyone sees why.
            from .iam_principals import Unmapped

            request = simulation.get("request", {})
            raise Unmapped(f"the IAM evaluator could not simulate {request.get('action')} on {request.get('resource', {}).get('resource')}: {answer['error']}")
        return answer


SIDECAR = Sidecar()
