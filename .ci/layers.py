#!/usr/bin/env python3
"""Keeps a crate's layers one-way: no file imports from a layer above its own,
and no import circle among its files.

    layers.py SRC LAYER...

SRC is a crate's `src` folder; the LAYERs are its folders, bottom first. A
file's layer is the folder it is in; a folder's own file (`world.rs` beside `world/`) is
in its layer; other files at the top of SRC (`lib.rs` and the like) and under `bin/` sit above every layer. An import is any path
`crate::a::b::...` (or `super::...`) outside a comment, in `use` lines and
in code alike; it names the file that defines the module it reaches.
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+|::\{)")


def module_file(src: Path, segments: list[str]) -> Path | None:
    """The file of the longest module path among `segments`."""
    found = None
    here = src
    for segment in segments:
        as_file = here / f"{segment}.rs"
        as_dir = here / segment / "mod.rs"
        if as_file.is_file():
            found = as_file
        elif as_dir.is_file():
            found = as_dir
        else:
            break
        here = here / segment
    return found


def module_of(src: Path, file: Path) -> list[str]:
    """The module path of `file`, as segments."""
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return parts


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def use_trees(text: str) -> list[list[str]]:
    """Every path a `use crate::...{...}` group names, expanded."""
    paths = []
    for match in re.finditer(r"\buse\s+((?:crate|super)(?:::\w+)*::\{)", text):
        start = match.end() - 1
        depth, end = 0, start
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        prefix = match.group(1)[:-3].split("::")
        paths += [prefix + tail for tail in expand(text[start + 1 : end])]
    return paths


def expand(group: str) -> list[list[str]]:
    items, depth, current = [], 0, ""
    for ch in group:
        if ch == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        current += ch
    items.append(current)
    paths = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if "{" in item:
            head, inner = item.split("{", 1)
            head = [s for s in head.split("::") if s]
            paths += [head + tail for tail in expand(inner.rsplit("}", 1)[0])]
        else:
            paths.append([s for s in item.split(" as ")[0].split("::") if s])
    return paths


def imports(src: Path, file: Path) -> set[Path]:
    text = strip_comments(file.read_text())
    here = module_of(src, file)
    targets = set()
    paths = use_trees(text)
    for match in PATH.finditer(text):
        if match.group(2) != "::{":
            paths.append([match.group(1)] + match.group(2).split("::")[1:])
    for path in paths:
        if path[0] == "crate":
            segments = path[1:]
        elif path[0] == "super":
            segments = here[:-1] + path[1:]
        else:
            continue
        target = module_file(src, segments)
        if target is not None and target != file:
            targets.add(target)
    return targets


def layer(src: Path, file: Path, layers: list[str]) -> int:
    """A file's layer: its folder's, or the folder's own `folder.rs`."""
    top = file.relative_to(src).parts[0].removesuffix(".rs")
    return layers.index(top) if top in layers else len(layers)


def circles(graph: dict[Path, set[Path]]) -> list[list[Path]]:
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return found


def main() -> int:
    src, layers = Path(sys.argv[1]), sys.argv[2:]
    for name in layers:
        if not (src / name).is_dir():
            print(f"{src}: no layer folder `{name}`")
            return 1
    files = sorted(src.rglob("*.rs"))
    graph = {f: imports(src, f) for f in files}
    problems = []
    for file, targets in graph.items():
        for target in sorted(targets):
            if layer(src, target, layers) > layer(src, file, layers):
                problems.append(f"{file} imports {target}, a layer above its own")
    for component in circles(graph):
        problems.append("import circle: " + " <-> ".join(map(str, component)))
    for problem in problems:
        print(problem)
    if not problems:
        count = sum(map(len, graph.values()))
        print(f"{src}: {len(files)} files, {count} imports, layers {' < '.join(layers)}: one-way, no circle")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
