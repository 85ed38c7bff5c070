"""The one error type of the host SDK: what went wrong, and what to do about it.

`main()` catches it once and prints `tinyml-host: error: <what> (<hint>)`, exiting with
`EXIT_INPUT` for problems with the user's input (a file, an option) and `EXIT_DEVICE` for the
board or the connection.
"""

from __future__ import annotations

EXIT_INPUT = 2
EXIT_DEVICE = 3


class TinymlError(Exception):
    """An error with a hint for the user. `exit_code` says whose side it is on."""

    def __init__(self, what: str, hint: str = "", exit_code: int = EXIT_INPUT) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return f"{self.what} ({self.hint})" if self.hint else self.what


class DeviceError(TinymlError):
    """The board or the link failed: no answer, a reset, a dropped connection."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what, hint, EXIT_DEVICE)


class TinymlWarning(UserWarning):
    """Something the user should know that does not stop the command (the CLI prints it as one
    `tinyml-host: warning:` line): inputs that saturate when quantized, for one."""


class LinkError(DeviceError):
    """The link failed. `completed` is how many windows had finished when it did (or None)."""

    def __init__(self, what: str, hint: str = "", completed: int | None = None) -> None:
        super().__init__(what, hint)
        self.completed = completed


class BoardReset(LinkError):
    """The board reset, or the agent restarted, in the middle of a session."""


class ProtocolMismatch(LinkError):
    """The agent running on the board speaks another protocol version than this host."""


class AgentError(TinymlError):
    """The agent ran the request and reported an error (no model, a model it can't run, ...)."""

    def __init__(self, what: str, hint: str = "") -> None:
        super().__init__(what, hint)
