"""A local SMTP server that keeps every message it is sent, for the cluster test: enough of
RFC 5321 for Django's SMTP backend (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), no TLS, no
auth, on a free port, in a thread; it counts the messages per recipient.

`hold(recipient)` makes it keep the next message to that recipient waiting for its final "250"
(the sender is then in the middle of sending: the moment to kill it). A sender that drops the
connection meanwhile has delivered nothing, as with a real server; release() answers it."""

from __future__ import annotations

import email
import email.policy
import select
import socket
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Message:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""


@dataclass
class Hold:
    recipient: str
    seconds: float
    held: threading.Event = field(default_factory=threading.Event)
    closed: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    discarded: bool = False
    timed_out: bool = False
    taken: bool = False


class _Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink: SMTPSink = self.server.sink
        self.reply("220 portal-cluster-test SMTP sink")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            argument = line[5:].strip() if len(line) > 4 else ""
            if verb == "EHLO":
                self.reply("250-portal-cluster-test")
                self.reply("250-8BITMIME")
                self.reply("250 SMTPUTF8")
            elif verb == "HELO":
                self.reply("250 portal-cluster-test")
            elif verb == "MAIL":
                sender, recipients = _address(argument), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(_address(argument))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline(1 << 20)
                    if not data or data in (b".\r\n", b".\n"):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                parsed = email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                hold = sink.take_hold(recipients)
                if hold is not None and not self.wait(hold):
                    return  # the sender went away before our answer: nothing was delivered
                sink.keep(Message(sender, list(recipients), parsed))
                sender, recipients = "", []
                self.reply("250 OK: queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def wait(self, hold: Hold) -> bool:
        """Keep the sender waiting until released (True) or gone (False)."""
        hold.held.set()
        deadline = time.monotonic() + hold.seconds
        while not hold.release.is_set():
            if time.monotonic() > deadline:
                hold.timed_out = True
                return True
            readable, _, _ = select.select([self.connection], [], [], 0.05)
            if readable:
                try:
                    gone = not self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    gone = True
                if gone:
                    hold.discarded = True
                    hold.closed.set()
                    return False
        return True


def _address(argument: str) -> str:
    """The address in `FROM:<a@b> SIZE=…` or `TO:<a@b>`."""
    value = argument.split(":", 1)[-1].strip()
    if value.startswith("<"):
        value = value[1 : value.find(">")]
    return value.split()[0] if value else ""


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SMTPSink:
    """Listens on 127.0.0.1 (a free port unless `port` is given); `messages` in arrival order."""

    def __init__(self, port: int = 0):
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        self._hold: Hold | None = None
        self._server = _Server(("127.0.0.1", port), _Session)
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def keep(self, message: Message) -> None:
        with self._lock:
            self.messages.append(message)

    def hold(self, recipient: str, seconds: float = 20) -> Hold:
        """Hold the next message to `recipient` (at most `seconds`)."""
        self._hold = Hold(recipient, seconds)
        return self._hold

    def take_hold(self, recipients: list[str]) -> Hold | None:
        with self._lock:
            hold = self._hold
            if hold is not None and not hold.taken and hold.recipient in recipients:
                hold.taken = True
                return hold
        return None

    def release(self) -> None:
        with self._lock:
            hold, self._hold = self._hold, None
        if hold is not None:
            hold.release.set()

    def to(self, recipient: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if recipient in m.recipients]

    def per_recipient(self) -> Counter:
        with self._lock:
            return Counter(r for m in self.messages for r in m.recipients)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
