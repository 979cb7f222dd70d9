"""Peak memory of benchmarked processes, each one's own: VmHWM, its high-water mark since exec. (ru_maxrss also counts
the memory of the process it was forked from, and RUSAGE_CHILDREN the largest of every child so far.)"""

from __future__ import annotations

import threading

import psutil


def peak_rss_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


class PeakMemory:
    """A process tree's peak RSS, read every half second from each one's VmHWM (its own high-water mark since
    exec, so a spike between two readings still counts while the process lives): the largest process's, with its
    command, and the largest sum over the tree at one reading. Read while the `with` block runs."""

    def __init__(self, pid: int) -> None:
        self.largest_mb, self.largest_command, self.tree_mb = 0.0, "", 0.0
        self._root, self._done = psutil.Process(pid), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0.0
            for proc in tree:
                try:
                    peak = peak_rss_kb(proc.pid) / 1024
                    total += proc.memory_info().rss / 2**20
                    if peak > self.largest_mb:
                        self.largest_mb, self.largest_command = peak, " ".join(proc.cmdline()[1:4])
                except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
                    continue
            self.tree_mb = max(self.tree_mb, total)
