"""Progress on a terminal (rich), silence elsewhere (cron, CI, pipes)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Stage:
    """Shows one line per stage of a run with a bar when the total is known; does nothing off a terminal."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.console = Console(stderr=True)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Stage:
        if self.enabled:
            self._progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                                      MofNCompleteColumn(), TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                                      console=self.console, transient=False)
            self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def start(self, name: str, detail: str = "", total: int | None = None) -> None:
        if self._progress is not None:
            self._tasks[name] = self._progress.add_task(name, total=total, detail=detail)

    def advance(self, name: str, amount: int = 1, detail: str | None = None) -> None:
        if self._progress is not None and name in self._tasks:
            fields = {"detail": detail} if detail is not None else {}
            self._progress.update(self._tasks[name], advance=amount, **fields)

    def update(self, name: str, completed: int, detail: str | None = None) -> None:
        if self._progress is not None and name in self._tasks:
            fields = {"detail": detail} if detail is not None else {}
            self._progress.update(self._tasks[name], completed=completed, **fields)

    def done(self, name: str, detail: str = "", count: int | None = None) -> None:
        """Mark a stage finished; `count` (items done) fills a bar whose total was not known up front."""
        if self._progress is not None and name in self._tasks:
            task = next(t for t in self._progress.tasks if t.id == self._tasks[name])
            total = count if count is not None else (task.total or 1)
            self._progress.update(task.id, total=total, completed=total, detail=detail)


def stdout_console() -> Console:
    """The console for results: on a terminal its real width; piped or captured, wide enough not to crush tables."""
    console = Console(soft_wrap=True, emoji=False)  # ":rocket:" in a repo description stays text
    return console if console.is_terminal else Console(soft_wrap=True, emoji=False, width=200)
