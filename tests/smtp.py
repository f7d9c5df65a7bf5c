"""A real SMTP server (aiosmtpd) in the test process, shared by every mail test.

`Recorder` keeps what the server accepted, parsed; `delay` makes it sit on each message
(a slow server). The fixtures in tests/conftest.py start one and point the app at it.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """An aiosmtpd handler keeping every message it accepts (after `delay` seconds each)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[Message] = []
        self.peers: list[tuple] = []  # the client's address for each message: one per connection
        self._lock = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self._lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.peers.append(tuple(session.peer))
            self._lock.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, count: int = 1, timeout: float = 30.0) -> list[Message]:
        """Block until `count` messages to `address` have arrived (or fail after `timeout` seconds)."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.to(address)) >= count, timeout):
                raise AssertionError(
                    f"{count} message(s) to {address} did not arrive in {timeout} s: {self.to(address)}"
                )
            return self.to(address)

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def to(self, address: str) -> list[Message]:
        """The messages addressed to one recipient, in the order received."""
        return [m for m in self.messages if m["To"] == address]


@contextmanager
def running(handler: Recorder) -> Iterator[int]:
    """Run an SMTP server with this handler on 127.0.0.1; yields its port."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    """The plain-text body of a received message."""
    return message.get_body(("plain",)).get_content()
