"""Start and stop a throwaway ``redis-server`` on a loopback port (no fake Redis anywhere)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RedisProcess:
    """A running ``redis-server``."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        """Its URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Stop it and wait for it to exit."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_redis(timeout: float = 15.0) -> RedisProcess:
    """Start ``redis-server`` without persistence and wait until it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: apt-get install redis-server (.ci/run does)")
    for _ in range(5):
        port = free_port()
        process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        client = redis.Redis(host="127.0.0.1", port=port)
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if client.ping():
                    client.close()
                    return RedisProcess(process, port)
            except redis.ConnectionError:
                time.sleep(0.05)
        client.close()
        if process.poll() is None:
            process.kill()
        process.wait(10)
    pytest.fail("redis-server did not start on a loopback port")
