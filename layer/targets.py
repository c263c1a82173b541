"""What a layer is built for: a Lambda runtime and architecture, and the paths that follow."""

from __future__ import annotations

from dataclasses import dataclass

from infra.spec import LINUX_MACHINES, SUPPORTED_RUNTIMES
from layer.errors import LayerError

RUNTIMES = SUPPORTED_RUNTIMES
ARCHES = LINUX_MACHINES
RECIPES = ("lambda", "seed")
# Where Lambda mounts a layer's contents.
OPT = "/opt"


@dataclass(frozen=True)
class LayerTarget:
    runtime: str
    arch: str

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise LayerError(f"unknown runtime {self.runtime!r}: use one of {', '.join(RUNTIMES)}")
        if self.arch not in ARCHES:
            hint = " (Lambda calls it arm64)" if self.arch == "aarch64" else ""
            raise LayerError(f"unknown arch {self.arch!r}{hint}: use one of {', '.join(ARCHES)}")

    @property
    def name(self) -> str:
        """Directory name of the artefact, e.g. `python3.13-x86_64`."""
        return f"{self.runtime}-{self.arch}"

    @property
    def python_version(self) -> str:
        """`3.13` for `python3.13`."""
        return self.runtime.removeprefix("python")

    @property
    def cp_tag(self) -> str:
        """`cp313` for `python3.13`: the tag native wheels and extension modules carry."""
        return "cp" + self.python_version.replace(".", "")

    @property
    def machine(self) -> str:
        """The Linux machine name: `x86_64` or `aarch64`."""
        return ARCHES[self.arch]

    @property
    def pip_platform(self) -> str:
        return f"manylinux2014_{self.machine}"

    @property
    def site_packages(self) -> str:
        """Lambda's layer path for this runtime, relative to the layer root (`/opt`)."""
        return f"python/lib/{self.runtime}/site-packages"


def layer_sys_path(root: str, target: LayerTarget) -> list[str]:
    """The layer entries of Lambda's `sys.path`, in Lambda's order, for a layer unpacked at root."""
    return [f"{root}/{target.site_packages}", f"{root}/python"]
