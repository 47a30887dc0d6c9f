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
from ansible.module_utils.pypi_guard.audit import run_audit_module
from ansible.module_utils.pypi_guard.errors import AuditInputError, PypiGuardError
from ansible.module_utils.pypi_guard.http import FetchError

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


def module_result(capsys, main, args):
    """What a module's ``main()`` answers Ansible for ``args``, as Ansible
    runs it (the arguments on its input, the result as JSON on stdout)."""
    import json

    from ansible.module_utils.testing import patch_module_args

    with patch_module_args(args), pytest.raises(SystemExit):
        main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("error, msg", [
    (FetchError("https://pypi.example/simple/: HTTP 503 after 5 attempts"),
     "https://pypi.example/simple/: HTTP 503 after 5 attempts"),
    (AuditInputError(["a.yaml: key x: 1 is not a string", "b.yaml: not a mapping"]),
     "PyPI maintainers audit: the input is not usable:\na.yaml: key x: 1 is not a string\n"
     "b.yaml: not a mapping"),
])
def test_an_audit_module_fails_in_one_place_on_any_of_our_errors(capsys, error, msg):
    def run(params, check_mode):
        raise error

    result = module_result(capsys,
                           lambda: run_audit_module("pypi_maintainers_audit", {}, run),
                           {"settings": {}})
    assert (result["failed"], result["msg"], result["problems"]) == (True, msg, error.problems)


def test_a_periodic_audit_stopped_by_its_input_still_reports(capsys, tmp_path):
    def run(params, check_mode):
        raise AuditInputError("a.yaml: not a mapping")

    result = module_result(capsys,
                           lambda: run_audit_module("pypi_maintainers_audit", {}, run),
                           {"settings": {"report_dir": str(tmp_path)}})
    assert "failed" not in result and result["status"] == "error"
    assert (tmp_path / "pypi-maintainers-audit.json").is_file()
    assert result["failure"].splitlines()[1] == "(input): error: a.yaml: not a mapping"


def test_bad_settings_fail_the_module_naming_the_variable(capsys):
    result = module_result(capsys,
                           lambda: run_audit_module("pypi_release_audit", {},
                                                    lambda params, check_mode: {}),
                           {"settings": {"concurrency": 0}})
    assert result["failed"] is True
    assert result["problems"] == ["pypi_guard_concurrency: 0 is below 1"]
