"""A real IMAP server for the tests: Debian's Dovecot (``/usr/sbin/dovecot``) in the foreground on a free
loopback port, with its own configuration, one user and a maildir in a temporary folder.

``Dovecot().start()`` answers IMAP (no TLS, plaintext login allowed) for ``username`` / ``password``;
``deliver(raw)`` puts a message into the user's INBOX as a mail server would (a file in ``new/``).

Run as root (as CI does), Dovecot wants its login processes under an unprivileged user and refuses uid 0
for mail: they run as its ``dovenull``/``dovecot`` users (``nobody`` if absent) and the maildir belongs
to ``nobody``. Run as anyone else, everything runs as that user. Either way the folder is made with
``tempfile`` and opened to others for reading, since pytest's own temporary folders are private to their
owner and an unprivileged Dovecot process could not reach them.
"""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.sending.smtp_server import free_port

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
START_TIMEOUT_SECONDS = 20


def _user_or(name: str, fallback: str) -> str:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return fallback
    return name


def _group_of(user: str) -> str:
    return grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name


@dataclass
class Dovecot:
    username: str = "reader@example.com"
    password: str = "imap secret 7"
    port: int = field(default_factory=free_port)

    def __post_init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="leadpool-dovecot-"))
        self.directory.chmod(0o755)
        if os.geteuid() == 0:
            self.login_user = _user_or("dovenull", "nobody")
            self.internal_user = _user_or("dovecot", "nobody")
            self.mail_user = "nobody"
        else:
            self.login_user = self.internal_user = self.mail_user = pwd.getpwuid(os.geteuid()).pw_name
        self.maildir = self.directory / "mail" / self.username
        self.log_path = self.directory / "dovecot.log"
        self._process: subprocess.Popen | None = None

    def _config(self) -> str:
        home = self.directory / "mail" / "%u"
        mail_group = _group_of(self.mail_user)
        return f"""
base_dir = {self.directory}/run
state_dir = {self.directory}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
log_path = {self.log_path}
default_login_user = {self.login_user}
default_internal_user = {self.internal_user}
default_internal_group = {_group_of(self.internal_user)}
mail_location = maildir:{home}
mail_uid = {self.mail_user}
mail_gid = {mail_group}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {self.directory}/passwd
}}
userdb {{
  driver = static
  args = uid={self.mail_user} gid={mail_group} home={home}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, self.mail_user, _group_of(self.mail_user))

    def start(self) -> "Dovecot":
        if not DOVECOT.exists():
            raise RuntimeError(f"{DOVECOT} is missing: install dovecot-imapd (.ci/run does).")
        (self.directory / "dovecot.conf").write_text(self._config())
        (self.directory / "passwd").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        for path in (
            self.directory / "mail",
            self.maildir,
            *(self.maildir / sub for sub in ("new", "cur", "tmp")),
        ):
            self._own(path)
        self._process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.directory / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Dovecot did not start: {self._diagnosis()}")
            time.sleep(0.05)
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                return sock.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def _diagnosis(self) -> str:
        stderr = self._process.stderr.read().decode(errors="replace") if self._process else ""
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return (stderr + log).strip()[-2000:]

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stderr:
            self._process.stderr.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def deliver(self, raw: bytes) -> Path:
        """Puts ``raw`` (a whole RFC 5322 message) into the INBOX, as a delivery agent does: written under
        ``tmp/``, then moved into ``new/`` whole."""
        name = f"{time.time_ns()}.{uuid.uuid4().hex}.leadpool-tests"
        staged = self.maildir / "tmp" / name
        staged.write_bytes(raw)
        self._own(staged)
        delivered = self.maildir / "new" / name
        staged.rename(delivered)
        return delivered

    def empty_inbox(self) -> None:
        """Removes every message from the INBOX, as a user deleting them would (UIDs go on from where they
        were: a new message never reuses one)."""
        for sub in ("new", "cur"):
            for path in (self.maildir / sub).iterdir():
                path.unlink()

    def renumber(self, uidvalidity: int) -> None:
        """Rebuilds the INBOX's indexes as a server restored from a backup does: its messages get new UIDs
        from 1 and the folder the UIDVALIDITY ``uidvalidity``."""
        for path in self.maildir.iterdir():
            if path.is_file() and path.name.startswith("dovecot"):
                path.unlink()
        self.set_uidvalidity(uidvalidity)

    def set_uidvalidity(self, uidvalidity: int) -> None:
        """Gives the INBOX a new UIDVALIDITY, as a server that rebuilt its indexes does (``doveadm mailbox
        update --uid-validity``): a client must forget the UIDs it knew."""
        subprocess.run(
            [
                str(DOVEADM),
                "-c",
                str(self.directory / "dovecot.conf"),
                "mailbox",
                "update",
                "-u",
                self.username,
                "--uid-validity",
                str(uidvalidity),
                "INBOX",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
