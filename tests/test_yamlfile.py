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

"""Every input YAML file fails cleanly, naming itself, in bounded time and
memory: alias bombs, invalid UTF-8, values that do not fit their tag, and
deliverables that are symlinks out of the checkout."""

import resource
import time

import pytest
from ansible.module_utils.pypi_guard.allowlist import VarsFileError, load_maintainers_allowlist
from ansible.module_utils.pypi_guard.deliverables import DeliverablesError, derive_managed_set
from ansible.module_utils.pypi_guard.keys import load_series_keys
from ansible.module_utils.pypi_guard.project_config import ProjectConfigError, read_project_config
from ansible.module_utils.pypi_guard.yamlfile import (
    MAX_ALIAS_NODES,
    AliasBombError,
    check_alias_expansion,
    parse_yaml,
)


def bomb(levels, key="x"):
    """A few hundred bytes whose aliases expand to 10**levels strings."""
    lines = [f'{key}0: &a0 ["l","l","l","l","l","l","l","l","l","l"]']
    for i in range(1, levels):
        lines.append(f"{key}{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def bounded(call):
    """Run ``call``; assert it took under 2 s and under 64 MiB more memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    try:
        call()
    finally:
        assert time.monotonic() - started < 2
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 64 * 1024


def test_a_bomb_is_refused_before_it_is_constructed():
    text = bomb(9)
    assert len(text) < 500
    with pytest.raises(Exception, match="bomb.yaml: refused: its aliases expand it by more "
                                        "than 100,000 nodes"):
        bounded(lambda: parse_yaml(text, "bomb.yaml"))


def test_a_few_aliases_stay_allowed():
    # projects.yaml shares file lists between jobs this way
    assert parse_yaml("a: &f [x, y]\nb: *f\nc: *f\n", "f.yaml") == {
        "a": ["x", "y"], "b": ["x", "y"], "c": ["x", "y"]}


def test_the_limit_is_on_what_aliases_add():
    import yaml
    node = yaml.compose(bomb(5))  # 100,000 strings at the bottom level
    with pytest.raises(AliasBombError):
        check_alias_expansion(node, limit=MAX_ALIAS_NODES)
    check_alias_expansion(node, limit=200_000)


def test_a_recursive_alias_is_refused():
    with pytest.raises(Exception, match="f.yaml: refused: an alias refers to a node that "
                                        "contains it"):
        parse_yaml("&a [*a]", "f.yaml")


def write_checkout(tmp_path, name, text):
    series = tmp_path / "deliverables" / "epoxy"
    series.mkdir(parents=True)
    (series / name).write_text(text)
    return tmp_path


def test_a_bomb_in_a_deliverable_names_the_file(tmp_path):
    checkout = write_checkout(tmp_path, "nova.yaml", bomb(9))
    with pytest.raises(DeliverablesError) as caught:
        bounded(lambda: derive_managed_set(checkout))
    assert caught.value.problems == [
        f"{checkout / 'deliverables/epoxy/nova.yaml'}: cannot read the deliverable: refused: "
        f"its aliases expand it by more than 100,000 nodes (a YAML alias bomb?): write the "
        f"values out"]


def test_a_bomb_in_series_status_names_the_file(tmp_path):
    path = tmp_path / "series_status.yaml"
    path.write_text(bomb(9))
    with pytest.raises(Exception, match=f"^{path}: refused: its aliases expand"):
        bounded(lambda: load_series_keys(path))


def project_config(tmp_path, content):
    (tmp_path / "zuul.d").mkdir()
    path = tmp_path / "zuul.d" / "projects.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("content, detail", [
    (bomb(9, "- a"), "refused: its aliases expand it by more than 100,000 nodes"),
    (b"- project:\n    name: openstack/nova\n    templates: [\xff]\n", "not UTF-8 text"),
    ("- project: {name: !!int ''}\n", "not valid YAML: a value does not fit its explicit tag"),
    ("- project: {name: !!timestamp x}\n", "not valid YAML: a value does not fit its explicit tag"),
    ("- project: [unclosed\n", "not valid YAML"),
])
def test_a_malformed_projects_yaml_names_the_file(tmp_path, content, detail):
    path = project_config(tmp_path, content)
    with pytest.raises(ProjectConfigError) as caught:
        bounded(lambda: read_project_config(tmp_path))
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith(f"{path}: cannot be read: {detail}")


def test_a_bomb_in_the_allowlist_names_the_file(tmp_path):
    path = tmp_path / "pypi-maintainers.yaml"
    path.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                    + "".join("  " + line + "\n" for line in bomb(9).splitlines()))
    with pytest.raises(VarsFileError) as caught:
        bounded(lambda: load_maintainers_allowlist(path))
    assert caught.value.problems == [
        "refused: its aliases expand it by more than 100,000 nodes (a YAML alias bomb?): "
        "write the values out"]
    assert str(caught.value).startswith(f"{path}: refused")


def test_a_deliverable_symlinked_out_of_the_checkout_is_refused(tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text("team: t\ntype: library\nrepository-settings:\n  o/secret: {}\n")
    checkout = write_checkout(tmp_path / "releases", "a.yaml",
                              "team: t\ntype: library\nrepository-settings:\n  o/a: {}\n")
    link = checkout / "deliverables" / "epoxy" / "b.yaml"
    link.symlink_to(outside)
    with pytest.raises(DeliverablesError) as caught:
        derive_managed_set(checkout)
    assert caught.value.problems == [
        f"{link}: refused: a symlink that leaves the checkout (to {outside}); a deliverable "
        "must be a file of it"]


def test_a_symlink_inside_the_checkout_is_read(tmp_path):
    checkout = write_checkout(tmp_path, "a.yaml",
                              "team: t\ntype: library\nrepository-settings:\n  o/a: {}\n")
    (checkout / "deliverables" / "epoxy" / "b.yaml").symlink_to(
        checkout / "deliverables" / "epoxy" / "a.yaml")
    assert set(derive_managed_set(checkout).projects) == {"a"}
