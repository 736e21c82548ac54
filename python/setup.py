"""Builds the wheel around libgmm.so: the library comes from SWIFTGMM_LIBRARY when set (`make
wheel` does that), else it is built here with `make lib` in the checkout this folder is in (so
`pip install ./python` works from a checkout with Swift installed). The wheel holds no Python
extension, so it is tagged py3-none-<platform>: any CPython 3 on that platform."""
import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

try:
    from setuptools.command.bdist_wheel import bdist_wheel
except ImportError:  # older setuptools
    from wheel.bdist_wheel import bdist_wheel

HERE = Path(__file__).resolve().parent


class BuildWithLibrary(build_py):
    def run(self):
        library = os.environ.get("SWIFTGMM_LIBRARY")
        if not library:
            root = HERE.parent
            subprocess.check_call(["make", "lib"], cwd=root)
            library = str(root / "build" / "lib" / "libgmm.so")
        super().run()
        target = Path(self.build_lib) / "swiftgmm"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(library, target / "libgmm.so")


class PlatformWheel(bdist_wheel):
    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        _, _, platform = super().get_tag()
        return "py3", "none", platform


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary, "bdist_wheel": PlatformWheel}, distclass=BinaryDistribution)
