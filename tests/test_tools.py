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

"""Tests of tools/check_zuul_config.py and tools/check_jobs_documented.py.

Each test builds a small repository in tmp_path and runs a checker on it.
"""

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def load_tool(name):
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


GOOD_REPO = {
    "zuul.d/jobs.yaml": """
        ---
        - job:
            name: pg-base
            parent: base
            abstract: true
            description: Shared setup.
            pre-run: playbooks/pre.yaml

        - job:
            name: pg-audit
            parent: pg-base
            run: playbooks/audit/run.yaml
            post-run:
              - name: playbooks/post.yaml
                cleanup: true
            secrets:
              - name: pypi_info
                secret: pg-pypi
            nodeset:
              nodes: []
            vars:
              pg_flag: true

        - secret:
            name: pg-pypi
            data:
              token: !encrypted/pkcs1-oaep
                - c2VjcmV0
        """,
    "zuul.d/project.yaml": """
        ---
        - project-template:
            name: pg-template
            periodic:
              jobs:
                - pg-audit

        - project:
            templates:
              - pg-template
            check:
              jobs:
                - tox-linters
                - pg-audit:
                    voting: false
        """,
    "playbooks/pre.yaml": """
        ---
        - name: Prepare
          hosts: all
          roles:
            - role: pg-ensure
            - ensure-tox
        """,
    "playbooks/audit/run.yaml": """
        ---
        - name: Audit
          hosts: localhost
          tasks:
            - name: Run the audit
              block:
                - name: Include it
                  ansible.builtin.include_role:
                    name: pg-audit
        """,
    "playbooks/post.yaml": """
        ---
        - name: Collect
          hosts: localhost
          tasks:
            - name: Return
              ansible.builtin.import_role:
                name: pg-return
        """,
    "roles/pg-ensure/README.rst": """
        Ensure the tools.

        .. zuul:rolevar:: pg_python
           :default: python3

           The interpreter.

        .. zuul:rolevar:: pg_options

           .. zuul:rolevar:: verbose

              Nested option (documented by its own name).
        """,
    "roles/pg-ensure/defaults/main.yaml": """
        ---
        pg_python: python3
        pg_options:
          verbose: false
        """,
    "roles/pg-ensure/tasks/main.yaml": """
        ---
        - name: Say hello
          ansible.builtin.debug:
            msg: hello
        """,
    "roles/pg-audit/README.rst": """
        Run the audit (no variables).
        """,
    "roles/pg-audit/defaults/main.yaml": "",
    "roles/pg-audit/tasks/main.yaml": """
        ---
        - name: Audit
          ansible.builtin.debug:
            msg: audit
        """,
    "roles/pg-audit/meta/main.yaml": """
        ---
        dependencies:
          - role: pg-ensure
        """,
    "roles/pg-return/README.rst": """
        Return the reports.

        .. zuul:rolevar:: pg_reports
        """,
    "roles/pg-return/defaults/main.yaml": """
        ---
        pg_reports: []
        """,
    "roles/pg-return/tasks/main.yaml": """
        ---
        - name: Return
          ansible.builtin.include_role:
            name: pg-ensure
        """,
    "tox.ini": """
        [tox]
        envlist = py3,linters

        [testenv]
        deps = -r{toxinidir}/test-requirements.txt

        [testenv:linters]
        commands =
            # a comment line
            ruff check .
        """,
    "README.md": """
        # pypi-guard

        Mentions of `pg-base` outside the Jobs section do not count.

        ## Jobs

        ### `pg-audit`

        Audits things; builds on `pg-base`.

        ## Roles

        Nothing here.
        """,
}


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    write_tree(root, GOOD_REPO)
    return root


@pytest.fixture(scope="module")
def zuul_check():
    return load_tool("check_zuul_config")


@pytest.fixture(scope="module")
def doc_check():
    return load_tool("check_jobs_documented")


def run_main(module, capsys, *args):
    code = module.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


# ---------------------------------------------------------------------------
# check_zuul_config


def test_zuul_good_config_passes(zuul_check, repo, capsys):
    code, out, err = run_main(zuul_check, capsys, repo)
    assert code == 0, (out, err)
    assert out == ["checked 2 jobs in 2 files: 3 playbooks found; "
                   "tox environments run by jobs: linters: OK"]


def test_zuul_empty_config_dir_passes(zuul_check, tmp_path, capsys):
    (tmp_path / "zuul.d").mkdir()
    code, out, _ = run_main(zuul_check, capsys, tmp_path)
    assert code == 0
    assert out == ["checked 0 jobs in 0 files: 0 playbooks found: OK"]


def test_zuul_missing_playbook(zuul_check, repo, capsys):
    (repo / "playbooks/post.yaml").unlink()
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == ["zuul.d/jobs.yaml: job 'pg-audit': key 'post-run': "
                   "playbook 'playbooks/post.yaml' does not exist"]


def test_zuul_playbook_without_extension_is_not_completed(zuul_check, repo, capsys):
    path = repo / "zuul.d/jobs.yaml"
    path.write_text(path.read_text().replace("playbooks/pre.yaml", "playbooks/pre"))
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == ["zuul.d/jobs.yaml: job 'pg-base': key 'pre-run': playbook 'playbooks/pre' "
                   "does not exist (Zuul uses the path as written and adds no extension: "
                   "did you mean 'playbooks/pre.yaml'?)"]


def test_zuul_playbook_outside_the_repository_or_in_a_variant(zuul_check, repo, capsys):
    (repo.parent / "outside.yaml").write_text("- hosts: localhost\n")
    write_tree(repo, {"zuul.d/more.yaml": """
        - job:
            name: pg-escape
            run: ../outside.yaml
        - project-template:
            name: pg-variant
            gate:
              jobs:
                - pg-audit:
                    pre-run: /etc/hostname
                    run: playbooks/audit/gone.yaml
        """})
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == [
        "zuul.d/more.yaml: job 'pg-escape': key 'run': playbook '../outside.yaml' must be a "
        "path inside the repository",
        "zuul.d/more.yaml: project-template 'pg-variant': key 'gate.jobs[0].pg-audit.pre-run': "
        "playbook '/etc/hostname' must be a path inside the repository",
        "zuul.d/more.yaml: project-template 'pg-variant': key 'gate.jobs[0].pg-audit.run': "
        "playbook 'playbooks/audit/gone.yaml' does not exist",
    ]


def test_zuul_unparsable_file_is_named(zuul_check, repo, capsys):
    write_tree(repo, {"zuul.d/broken.yaml": "- job: {name: [unclosed\n"})
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert len(out) == 1 and out[0].startswith("zuul.d/broken.yaml: cannot be parsed: ")


def test_zuul_unknown_parent(zuul_check, repo, capsys):
    path = repo / "zuul.d/jobs.yaml"
    path.write_text(path.read_text().replace("parent: base\n", "parent: site-base\n"))
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert len(out) == 1
    assert out[0].startswith("zuul.d/jobs.yaml: job 'pg-base': key 'parent': "
                             "parent job 'site-base' is not defined")
    code, out, _ = run_main(zuul_check, capsys, repo, "--allow-parent", "site-base")
    assert code == 0


def test_zuul_tox_environment_without_commands(zuul_check, repo, capsys):
    # zuul-jobs' tox-py311 runs `tox -e py311`: with no commands in [testenv]
    # tox builds the environment, runs nothing and reports success.
    path = repo / "zuul.d/project.yaml"
    path.write_text(path.read_text().replace("- tox-linters", "- tox-py311"))
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == [
        "zuul.d/project.yaml: project (this repository): key 'check.jobs[0]': runs tox "
        "environment 'py311' (the environment of job 'tox-py311'), which has no commands in "
        "tox.ini (neither [testenv:py311] nor [testenv] sets any): tox would report success "
        "without running anything"]
    tox_ini = repo / "tox.ini"
    tox_ini.write_text(tox_ini.read_text().replace(
        "[testenv]\n", "[testenv]\ncommands = pytest\n"))
    assert run_main(zuul_check, capsys, repo)[0] == 0


def test_zuul_tox_envlist_of_jobs_and_variants(zuul_check, repo, capsys):
    write_tree(repo, {"zuul.d/tox.yaml": """
        - job:
            name: pg-tox
            parent: tox
            vars:
              tox_envlist: linters,nope
        - job:
            name: pg-tox-child
            parent: pg-tox
        - job:
            name: pg-docs
            parent: tox-docs
        - job:
            name: pg-all
            parent: tox
            vars:
              tox_envlist: ALL
        - project-template:
            name: pg-tox-template
            check:
              jobs:
                - pg-tox:
                    vars:
                      tox_envlist: empty
                - tox-linters:
                    voting: false
        """})
    tox_ini = repo / "tox.ini"
    tox_ini.write_text(tox_ini.read_text() + "\n[testenv:empty]\ndeps = ruff\n")
    code, out, _ = run_main(zuul_check, capsys, repo, "--allow-parent", "tox-docs")
    assert code == 1
    assert out == [
        "zuul.d/tox.yaml: job 'pg-tox': key 'vars.tox_envlist': runs tox environment 'nope', "
        "which tox.ini does not define (no [testenv:nope] section and not in [tox] envlist)",
        "zuul.d/tox.yaml: job 'pg-docs': key 'parent': runs tox environment 'docs' (the "
        "environment of job 'tox-docs'), which tox.ini does not define (no [testenv:docs] "
        "section and not in [tox] envlist)",
        "zuul.d/tox.yaml: project-template 'pg-tox-template': key "
        "'check.jobs[0].pg-tox.vars.tox_envlist': runs tox environment 'empty', which has no "
        "commands in tox.ini (neither [testenv:empty] nor [testenv] sets any): tox would "
        "report success without running anything",
    ]


def test_zuul_tox_job_without_tox_ini(zuul_check, repo, capsys):
    (repo / "tox.ini").unlink()
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == ["zuul.d/project.yaml: project (this repository): key 'check.jobs[0]': "
                   "runs tox environment 'linters' (the environment of job 'tox-linters'), "
                   "but there is no tox.ini at the repository root"]


def test_zuul_tox_envlist_must_be_a_string(zuul_check, repo, capsys):
    write_tree(repo, {"zuul.d/tox.yaml": """
        - job:
            name: pg-tox
            parent: tox
            vars:
              tox_envlist: [linters]
        """})
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert code == 1
    assert out == ["zuul.d/tox.yaml: job 'pg-tox': key 'vars.tox_envlist': tox_envlist must "
                   "be a string (environments separated by commas), not ['linters']"]


def test_zuul_base_jobs_and_templated_values_are_not_checked(zuul_check, repo, capsys):
    write_tree(repo, {"zuul.d/more.yaml": """
        - job:
            name: pg-own-base
            parent: null
            vars:
              tox_envlist: "{{ pg_envs }}"
        """})
    code, out, _ = run_main(zuul_check, capsys, repo)
    assert (code, out) == (0, ["checked 3 jobs in 3 files: 3 playbooks found; "
                               "tox environments run by jobs: linters: OK"])


def test_zuul_reads_a_single_file_configuration(zuul_check, tmp_path, capsys):
    write_tree(tmp_path, {".zuul.yaml": """
        - job:
            name: pg-one
            parent: base
            run: playbooks/one.yaml
        """})
    code, out, _ = run_main(zuul_check, capsys, tmp_path)
    assert code == 1
    assert out == [".zuul.yaml: job 'pg-one': key 'run': playbook 'playbooks/one.yaml' "
                   "does not exist"]


def test_zuul_command_line(zuul_check, repo):
    proc = subprocess.run(
        [sys.executable, str(TOOLS / "check_zuul_config.py"), str(repo)],
        capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("checked 2 jobs")


def test_doc_good_repo_passes(doc_check, repo, capsys):
    code, out, err = run_main(doc_check, capsys, repo)
    assert code == 0, (out, err)
    assert out == ["checked 2 jobs and 3 roles: all documented"]


def test_doc_undocumented_job(doc_check, repo, capsys):
    # `pg-base` is mentioned, but only before the Jobs heading.
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("builds on `pg-base`", "builds on pg-base"))
    code, out, _ = run_main(doc_check, capsys, repo)
    assert code == 1
    assert out == ["README.md: job 'pg-base' (defined in zuul.d/jobs.yaml) is not documented: "
                   "mention it as `pg-base` under the 'Jobs' heading"]


def test_doc_no_jobs_heading(doc_check, repo, capsys):
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("## Jobs", "## Things"))
    code, out, _ = run_main(doc_check, capsys, repo)
    assert code == 1
    assert out[0].startswith("README.md: no 'Jobs' heading")


def test_doc_setext_heading_and_fences(doc_check, repo, capsys):
    (repo / "README.md").write_text(textwrap.dedent("""\
        Zuul jobs
        ---------

        `pg-audit` and `pg-base`.

        ```
        # Not a heading
        ```
        """))
    assert run_main(doc_check, capsys, repo)[0] == 0


def test_doc_undocumented_role_variable(doc_check, repo, capsys):
    defaults = repo / "roles/pg-return/defaults/main.yaml"
    defaults.write_text(defaults.read_text() + "pg_extra: 1\n")
    code, out, _ = run_main(doc_check, capsys, repo)
    assert code == 1
    assert out == ["roles/pg-return/defaults/main.yaml: variable 'pg_extra' is not documented "
                   "in roles/pg-return/README.rst (expected '.. zuul:rolevar:: pg_extra')"]


def test_doc_role_missing_files(doc_check, repo, capsys):
    (repo / "roles/pg-audit/README.rst").unlink()
    (repo / "roles/pg-audit/defaults/main.yaml").unlink()
    (repo / "roles/pg-new").mkdir()
    code, out, _ = run_main(doc_check, capsys, repo)
    assert code == 1
    assert out == [
        "roles/pg-audit: missing README.rst",
        "roles/pg-audit: missing defaults/main.yaml",
        "roles/pg-new: missing README.rst",
        "roles/pg-new: missing defaults/main.yaml",
        "roles/pg-new: missing tasks/main.yaml",
    ]


def test_doc_yml_files(doc_check, repo, capsys):
    write_tree(repo, {
        "roles/pg-audit/tasks/extra.yml": "---\n[]\n",
        "playbooks/other.yml": "---\n[]\n",
        "test-playbooks/audit/run.yml": "---\n[]\n",
        "zuul.d/more.yml": "---\n[]\n",
    })
    code, out, _ = run_main(doc_check, capsys, repo)
    assert code == 1
    assert [line.split(":")[0] for line in out] == [
        "roles/pg-audit/tasks/extra.yml", "playbooks/other.yml", "test-playbooks/audit/run.yml",
        "zuul.d/more.yml"]
    assert all("use the .yaml extension" in line for line in out)


def test_doc_command_line(repo):
    proc = subprocess.run(
        [sys.executable, str(TOOLS / "check_jobs_documented.py"), str(repo)],
        capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == "checked 2 jobs and 3 roles: all documented\n"
