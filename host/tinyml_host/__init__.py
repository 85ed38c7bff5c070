"""tinyml host SDK: the library behind the `tinyml-host` command.

Every command is a thin layer over a function of this package, so scripts can call the same
code (e.g. `tinyml_host.validate.validate(...)`).
"""

__version__ = "0.1.0"
