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

"""Every YAML file pypi-guard reads, read in one place, in bounded time and memory.

The deliverables, ``series_status.yaml``, project-config's ``projects.yaml``
and the vars files are parsed with safe loaders whose aliases may not add
more than :data:`MAX_ALIAS_NODES` nodes to what the file spells out: a
500-byte "billion laughs" file would otherwise expand into billions of nodes
for whatever walks it next (the schema check, the shape checks, Ansible).
Aliases are counted on the composed node graph, before anything is
constructed, so a bomb costs the size of the file, not of its expansion.
``projects.yaml`` uses a few aliases legitimately: they stay allowed.

Any fault (a bomb, invalid UTF-8, ``!!int ''``, ``!!timestamp x``, deep
nesting) is one :class:`YamlFileError` line naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Sequence
from typing import IO, Any, cast

import yaml
from ansible.module_utils.pypi_guard.errors import AuditInputError

try:
    from yaml import CSafeLoader as _FastSafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _FastSafeLoader  # type: ignore[assignment]

# How many nodes aliases may add to a file, in all (projects.yaml's few
# aliases add about 60).
MAX_ALIAS_NODES = 100_000


class YamlFileError(AuditInputError):
    """A YAML file cannot be used; ``str()`` is one line naming it."""

    def __init__(self, source: object, detail: object) -> None:
        self.source = str(source)
        self.detail = " ".join(str(detail).split())
        super().__init__(f"{source}: {self.detail}")


class AliasBombError(yaml.YAMLError):
    """The file's aliases expand it past :data:`MAX_ALIAS_NODES`, or into itself."""


def _children(node: yaml.Node) -> Sequence[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return cast(Sequence[yaml.Node], node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return ()


def check_alias_expansion(root: yaml.Node, limit: int = MAX_ALIAS_NODES) -> None:
    """Raise :class:`AliasBombError` when the nodes reached through aliases
    (a node met again counts its whole subtree again) exceed ``limit``, or
    when a node contains itself. Iterative, linear in the distinct nodes."""
    sizes: dict[int, int] = {}  # id(node) -> expanded size
    written = 0
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            in_progress.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            written += 1
            # written >= the distinct nodes under this one: never refuses early
            if sizes[key] - written > limit:
                raise AliasBombError(f"its aliases expand it by more than {limit:,} nodes "
                                     "(a YAML alias bomb?): write the values out")
            continue
        if key in sizes:
            continue
        if key in in_progress:
            raise AliasBombError("an alias refers to a node that contains it "
                                 "(a recursive YAML alias)")
        in_progress.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


class _Bounded:
    """Compose the document, check what its aliases add, then construct it.
    ``may_alias`` False (the text has no ``&``, so no anchor) skips the walk."""

    may_alias = True

    # provided by the loader class this is mixed into
    get_single_node: Callable[[], yaml.Node | None]
    construct_document: Callable[[yaml.Node], Any]

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if self.may_alias:
            check_alias_expansion(node)
        return self.construct_document(node)


class SafeLoader(_Bounded, _FastSafeLoader):
    """libyaml's safe loader, aliases bounded: the releases repository's files
    and project-config's."""


class StrictLoader(_Bounded, yaml.SafeLoader):
    """A safe loader, aliases bounded, that refuses duplicate keys and keeps
    dates as text: the vars files the release team edits.

    Dates stay strings so that a bad one (2027-02-30) is reported with its key
    like any other bad value instead of as a parser crash.
    """


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            break  # SafeLoader refuses it below, naming where
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             _construct_mapping)


Loader = type[SafeLoader] | type[StrictLoader]


def parse_yaml(text: str | bytes | IO[str] | IO[bytes], source: object,
               loader: Loader = SafeLoader) -> Any:
    """Parse YAML text (or a stream); any fault is a :class:`YamlFileError`
    naming ``source``. An OSError of the stream goes through."""
    try:
        if not isinstance(text, (str, bytes)):
            text = text.read()
        parser = loader(text)
        # an alias needs an anchor, and an anchor an '&': most files have none
        parser.may_alias = ("&" in text) if isinstance(text, str) else (b"&" in text)
        try:
            return parser.get_single_data()
        finally:
            parser.dispose()
    except OSError:
        raise
    except AliasBombError as exc:
        raise YamlFileError(source, f"refused: {exc}") from None
    except UnicodeDecodeError as exc:
        raise YamlFileError(source, f"not UTF-8 text: {exc}") from None
    except yaml.YAMLError as exc:
        raise YamlFileError(source, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlFileError(source, "not valid YAML: nested too deeply") from None
    except Exception as exc:
        # PyYAML's constructors of explicit tags raise anything (!!int '' IndexError,
        # !!timestamp x AttributeError)
        raise YamlFileError(source, "not valid YAML: a value does not fit its explicit "
                            f"tag (!!int, !!timestamp...): {type(exc).__name__}: {exc}") from None


def read_yaml(path: str | os.PathLike[str], loader: Loader = SafeLoader) -> Any:
    """Read and parse a YAML file (UTF-8); any fault but a missing file is a
    :class:`YamlFileError` naming it."""
    try:
        with open(path, encoding="utf-8") as stream:
            return parse_yaml(stream, path, loader)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise YamlFileError(path, f"cannot read the file: {exc.strerror or exc}") from None
