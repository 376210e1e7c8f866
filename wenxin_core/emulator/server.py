"""Running the emulator: in a thread, or in its own process driven over HTTP.

:class:`EmulatorServer` runs it in a background thread; :class:`EmulatorProcess` in a subprocess,
driven through :class:`EmulatorControl`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from types import TracebackType
from typing import Any

from wenxin_core.emulator.app import EmulatorApp, install_log_filter
from wenxin_core.emulator.config import V2_PREFIX, EmulatorConfig
from wenxin_core.emulator.control import CONTROL_PREFIX, EmulatorControls, dispatch
from wenxin_core.emulator.state import EmulatorState

__all__ = ["EmulatorControl", "EmulatorProcess", "EmulatorServer", "bind_socket", "make_server"]


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port=0``: a free port).

    Created with ``proto=IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY`` on accepted
    connections (without it asyncio skips the option and small stream events stall ~40 ms).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def make_server(app: EmulatorApp) -> Any:
    """A ``uvicorn.Server`` for ``app`` (uvloop and httptools when installed, quiet logs)."""
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "the emulator needs uvicorn: pip install 'wenxin-integrations[emulator]'"
        ) from exc
    config = uvicorn.Config(
        app,
        loop="auto",
        http="httptools" if _has_module("httptools") else "auto",
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        backlog=2048,
    )
    install_log_filter()
    return uvicorn.Server(config)


class EmulatorServer(EmulatorControls):
    """The emulator on ``127.0.0.1`` in a background thread; a context manager.

    Example::

        with EmulatorServer() as server:
            os.environ["QIANFAN_BASE_URL"] = server.base_url
            server.inject_error(336100)      # the next chat call answers "service busy"
            ...
            assert server.chat_calls == 1
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        **options: Any,
    ) -> None:
        """Prepare a server; ``options`` override fields of ``config`` (see EmulatorConfig)."""
        base = config or EmulatorConfig()
        self.config = replace(base, **options) if options else base
        self.state = EmulatorState(self.config)
        self.app = EmulatorApp(self.state)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self, timeout: float = 10.0) -> EmulatorServer:
        """Start serving; return once the server accepts connections."""
        if self._thread is not None:
            return self
        sock = bind_socket(self._host, self._requested_port)
        self._socket = sock
        self._port = int(sock.getsockname()[1])
        server = make_server(self.app)
        self._server = server
        errors: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported by start()
                errors.append(exc)

        thread = threading.Thread(target=run, name=f"wenxin-emulator-{self._port}", daemon=True)
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if errors or not thread.is_alive():
                self._cleanup()
                raise RuntimeError(f"the emulator failed to start: {errors[:1]!r}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator did not start in time")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._cleanup()

    def _cleanup(self) -> None:
        if self._socket is not None:
            self._socket.close()
        self._socket = None
        self._thread = None
        self._server = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------------------
    @property
    def host(self) -> str:
        """The host the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The port the server listens on (known once started)."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port``: the value for ``QIANFAN_BASE_URL``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def v2_base_url(self) -> str:
        """``{base_url}/v2``: the V2 ``base_url`` (also for the ``openai`` SDK)."""
        return self.base_url + V2_PREFIX

    def _command(self, name: str, args: dict[str, Any]) -> Any:
        return dispatch(self.state, name, args)


class EmulatorControl(EmulatorControls):
    """Drives an emulator running elsewhere through its ``/_emulator/`` HTTP endpoints."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        """Talk to the emulator at ``base_url`` (e.g. ``http://127.0.0.1:8790``)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    @property
    def v2_base_url(self) -> str:
        """``{base_url}/v2``: the V2 ``base_url`` of that emulator."""
        return self.base_url + V2_PREFIX

    def _command(self, name: str, args: dict[str, Any]) -> Any:
        url = f"{self.base_url}{CONTROL_PREFIX}{name}"
        if name == "state":
            request = urllib.request.Request(url, method="GET")
        else:
            request = urllib.request.Request(
                url,
                data=json.dumps(args).encode("utf-8"),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            raise RuntimeError(f"emulator control {name!r} failed: {exc.code} {detail}") from None
        if name == "state":
            return payload
        return payload.get("result")

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Poll the emulator until it answers (or raise ``TimeoutError``)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.snapshot()
                return
            except (OSError, RuntimeError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no emulator answering at {self.base_url}") from None
                time.sleep(0.02)


class EmulatorProcess(EmulatorControls):
    """The emulator in its own subprocess (``python -m wenxin_core.emulator``); a context manager.

    Benchmarks use it so the server does not share a core with the client. Control methods go
    over HTTP (:class:`EmulatorControl`).
    """

    def __init__(self, *args: str, host: str = "127.0.0.1", port: int = 0) -> None:
        """Prepare the process; ``args`` are extra CLI options (``"--chunk-delay", "0.01"``)."""
        self._args = list(args)
        self._host = host
        self._requested_port = port
        self._process: subprocess.Popen[str] | None = None
        self._base_url: str | None = None
        self._control: EmulatorControl | None = None

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        """Start the subprocess; return once it answers."""
        if self._process is not None:
            return self
        command = [
            sys.executable,
            "-m",
            "wenxin_core.emulator",
            "--host",
            self._host,
            "--port",
            str(self._requested_port),
            *self._args,
        ]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.startswith("http"):
            self.stop()
            raise RuntimeError(f"the emulator process did not start (first line: {line!r})")
        self._base_url = line
        self._control = EmulatorControl(line)
        self._control.wait_ready(timeout)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the subprocess and wait for it."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if process.stdout is not None:
            process.stdout.close()
        self._process = None
        self._base_url = None
        self._control = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        """The subprocess id."""
        if self._process is None:
            raise RuntimeError("the emulator process is not started")
        return self._process.pid

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running process."""
        if self._base_url is None:
            raise RuntimeError("the emulator process is not started")
        return self._base_url

    @property
    def v2_base_url(self) -> str:
        """``{base_url}/v2`` of the running process."""
        return self.base_url + V2_PREFIX

    @property
    def host(self) -> str:
        """The host the process listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The port the process listens on."""
        return int(self.base_url.rsplit(":", 1)[1])

    def _command(self, name: str, args: dict[str, Any]) -> Any:
        if self._control is None:
            raise RuntimeError("the emulator process is not started")
        return self._control._command(name, args)
