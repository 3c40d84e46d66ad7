"""openwave's collector: the command line, collection runs, the nightly scheduler, config loading."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openwave")
except PackageNotFoundError:  # running from a checkout without installing
    __version__ = "0.0.0+local"
