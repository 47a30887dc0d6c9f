# Copyright 2026 pypi-guard contributors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.


"""Every error pypi-guard raises for a person to act on is a PypiGuardError,
so that run_module turns it into fail_json in one place."""

import importlib
import inspect
import pkgutil

import ansible.module_utils.pypi_guard as package
import pytest
from ansible.module_utils.pypi_guard.errors import PypiGuardError

# Exceptions that never leave their module: a retry signal inside the HTTP
# client, and the alias-bomb signal the YAML reader turns into YamlFileError.
INTERNAL = {"http._Transient", "yamlfile.AliasBombError"}


def error_classes():
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (inspect.isclass(value) and issubclass(value, BaseException)
                    and value.__module__ == module.__name__):
                yield f"{info.name}.{name}", value


def test_the_package_defines_errors():
    assert len(dict(error_classes())) > 10


@pytest.mark.parametrize("name, cls", sorted(error_classes()))
def test_every_error_derives_from_pypi_guard_error(name, cls):
    if name in INTERNAL:
        pytest.skip("internal signal, never raised to a caller")
    assert issubclass(cls, PypiGuardError), name
