"""Run logs: stderr plus a rotating `openwave.log` next to the warehouse, with tokens redacted.

Every wait and retry of every source is one WARNING line of the `openwave.net` logger (sources/guard.log_wait);
openwave's own INFO lines (`openwave`, `sources`, `collector`, `warehouse`) show too, every library only from
WARNING, and huggingface_hub's own retry chatter (`Retrying in 1s [Retry 1/5]`) never: our line says it once.
Sources never log secrets; the redacting filter on every handler is a safety net that replaces the value of
each configured token variable (GITHUB_TOKEN, HF_TOKEN or whatever `token_env` names) with `***`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Sequence
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from collector.terminal import printable_lines

if TYPE_CHECKING:
    from collector.config import Config
    from collector.run import RunSummary

LOG_FILE = "openwave.log"
LOGGER = "openwave"
MAX_BYTES = 1_000_000
BACKUPS = 5
MIN_SECRET_LENGTH = 4  # shorter values would garble every line and are no real token
FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(message)s"
REDACTED = "***"
DEFAULT_SECRET_ENVS = ("GITHUB_TOKEN", "HF_TOKEN")
OWN_LOGGERS = (LOGGER, "sources", "collector", "warehouse")  # INFO and up; every other library WARNING and up
QUIET_LIBRARIES = ("huggingface_hub",)  # below ERROR they only repeat what our one wait line says
FILE_ONLY = "file_only"  # `extra={FILE_ONLY: True}`: the log file gets the record, stderr does not

log = logging.getLogger(LOGGER)


class RedactSecrets(logging.Filter):
    """Replaces the current value of each named environment variable in a record's text with ***."""

    def __init__(self, env_names: Iterable[str]) -> None:
        super().__init__()
        self.env_names = tuple(dict.fromkeys(env_names))

    def secrets(self) -> list[str]:
        values = (os.environ.get(name) or "" for name in self.env_names)
        return sorted({v for v in values if len(v) >= MIN_SECRET_LENGTH}, key=len, reverse=True)

    def redact(self, text: str, secrets: Sequence[str]) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = self.secrets()
        if not secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = self.redact(message, secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info, secrets)
        return True


class DropChatter(logging.Filter):
    """Drops third-party retry chatter (huggingface_hub's own warnings): each wait is logged once, by us."""

    def filter(self, record: logging.LogRecord) -> bool:
        quiet = any(record.name == name or record.name.startswith(name + ".") for name in QUIET_LIBRARIES)
        return not quiet or record.levelno >= logging.ERROR


class NotFileOnly(logging.Filter):
    """Keeps records marked file-only (the run summary, already printed on stdout) off stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, FILE_ONLY, False)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (the progress display redirects it to print above bars)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:  # logging.StreamHandler.__init__ assigns it
        pass


def log_path(db_path: Path) -> Path:
    return db_path.parent / LOG_FILE


class PrintableFormatter(logging.Formatter):
    """Upstream text in a message (an error body, a repo name) cannot drive the terminal: controls are escaped."""

    def format(self, record: logging.LogRecord) -> str:
        return printable_lines(super().format(record))


def _formatter() -> logging.Formatter:
    formatter = PrintableFormatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    return formatter


def setup_run_logging(db_path: Path, config: Config | None = None, *, secret_envs: Iterable[str] = (),
                      stderr: bool = True, max_bytes: int = MAX_BYTES,
                      backups: int = BACKUPS) -> logging.Logger:
    """Send openwave's INFO records (and every library's warnings) to `<db dir>/openwave.log` and stderr.

    Records logged with `extra={"file_only": True}` go to the file only. The values of GITHUB_TOKEN, HF_TOKEN,
    the config's `token_env` variables and `secret_envs` are redacted.
    Calling it again replaces the handlers it installed before. Returns the `openwave` logger.
    """
    names = [*DEFAULT_SECRET_ENVS, *secret_envs]
    if config is not None:
        names += [config.github.token_env, config.huggingface.token_env]
    close_run_logging()
    path = log_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    redact = RedactSecrets(names)
    handlers: list[logging.Handler] = [RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups,
                                                           encoding="utf-8")]
    if stderr:
        console = StderrHandler()
        console.addFilter(NotFileOnly())
        handlers.append(console)
    root = logging.getLogger()
    chatter = DropChatter()
    for handler in handlers:
        handler.setFormatter(_formatter())
        handler.addFilter(chatter)
        handler.addFilter(redact)
        handler._openwave = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    return log


def close_run_logging() -> None:
    """Remove and close the handlers `setup_run_logging` installed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_openwave", False):
            root.removeHandler(handler)
            handler.close()


def log_summary(summary: RunSummary, logger: logging.Logger | None = None, *, file_only: bool = False) -> None:
    """Log a run's summary: INFO when ok, WARNING when partial or interrupted, ERROR otherwise.

    `file_only`: not on stderr (`collect` has printed it on stdout already)."""
    from collector.report import summary_lines  # the same lines `collect` prints

    logger = logger or log
    level = {"ok": logging.INFO, "partial": logging.WARNING, "interrupted": logging.WARNING}.get(
        summary.status, logging.ERROR)
    for line in summary_lines(summary):
        logger.log(level, "%s", line, extra={FILE_ONLY: file_only})
