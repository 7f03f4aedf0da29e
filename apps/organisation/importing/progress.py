"""Progress of an import's phases: silent for the portal, a text bar for the management command."""

from collections.abc import Callable


class Progress:
    """Does nothing; the interface the import phases report to."""

    def start(self, phase: str, total: int) -> None:
        pass

    def advance(self, count: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


class TextProgress(Progress):
    """`Validating [#########           ] 45% (450/1000)`, redrawn in place (at most once per percent)."""

    def __init__(self, write: Callable[[str], None], width: int = 30) -> None:
        self.write, self.width = write, width
        self.phase, self.total, self.done, self.shown = "", 0, 0, -1

    def start(self, phase: str, total: int) -> None:
        self.phase, self.total, self.done, self.shown = phase, total, 0, -1
        self._draw()

    def advance(self, count: int = 1) -> None:
        self.done = min(self.done + count, self.total)
        self._draw()

    def finish(self) -> None:
        self.done = self.total
        self._draw()
        self.write("\n")

    def _draw(self) -> None:
        percent = 100 if self.total == 0 else self.done * 100 // self.total
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.width * percent // 100
        bar = "#" * filled + " " * (self.width - filled)
        self.write(f"\r{self.phase:<10} [{bar}] {percent:3d}% ({self.done}/{self.total})")
