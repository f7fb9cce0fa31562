#!/usr/bin/env python3
"""Checks the shape of the code: no cycle among the source files' calls or includes, and
every dependency pointing down the layers (src/app -> src/image -> src/pool -> src/base).

  scripts/layers.py BUILD_DIR [--report]

Calls are read from the object files the build made (nm: a file that leaves a symbol
undefined calls the file that defines it); includes from the sources.  Exits 1 and
says which files when a cycle or an upward dependency is found.  --report also prints
the layers, each folder's files and the longest functions.
"""

import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Lower numbers are lower layers: a file may depend on its own layer and those below.
LAYERS = {"base": 0, "pool": 1, "image": 2, "app": 3}


def layer_of(path):
    parts = path.split("/")
    for p in parts[:-1]:
        if p in LAYERS:
            return p
    return None


def sources():
    out = []
    for root, _, files in os.walk(os.path.join(REPO, "src")):
        for f in files:
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(root, f), REPO))
    for root, _, files in os.walk(os.path.join(REPO, "include")):
        for f in files:
            if f.endswith(".h"):
                out.append(os.path.relpath(os.path.join(root, f), REPO))
    return sorted(out)


def resolve_include(src, name):
    """The repository file an #include "name" in src means, or None (a system header)."""
    here = os.path.join(os.path.dirname(src), name)
    if os.path.exists(os.path.join(REPO, here)):
        return os.path.normpath(here)
    top = os.path.join("include", name)
    if os.path.exists(os.path.join(REPO, top)):
        return top
    return None


def include_graph(files):
    graph = {f: set() for f in files}
    for f in files:
        with open(os.path.join(REPO, f), encoding="utf-8") as fh:
            for name in re.findall(r'^#include "([^"]+)"', fh.read(), re.M):
                target = resolve_include(f, name)
                if target and target != f:
                    graph[f].add(target)
    return graph


def call_graph(build):
    """{source: {sources it calls}} from the object files' defined and undefined symbols."""
    objects = []
    for root, _, files in os.walk(build):
        if "CMakeFiles" not in root or "/fuzz" in root or "/tests" in root:
            continue
        for f in files:
            if f.endswith(".c.o"):
                objects.append(os.path.join(root, f))
    defined, undefined = {}, {}
    for obj in objects:
        src = source_of(obj)
        if not src:
            continue
        out = subprocess.run(["nm", obj], stdout=subprocess.PIPE, check=True).stdout.decode()
        undefined.setdefault(src, set())
        for line in out.splitlines():
            fields = line.split()
            if len(fields) == 3 and fields[1] in "TDBR":
                defined[fields[2]] = src
            elif len(fields) == 2 and fields[0] == "U":
                undefined[src].add(fields[1])
    graph = {src: set() for src in undefined}
    for src, syms in undefined.items():
        for s in syms:
            target = defined.get(s)
            if target and target != src:
                graph[src].add(target)
    return graph


def source_of(obj):
    m = re.search(r"/CMakeFiles/[^/]+\.dir/(.*)\.o$", obj)
    if not m:
        return None
    rel = m.group(1)
    for base in ("", "src/app/", "src/image/", "src/pool/", "src/base/"):
        cand = os.path.normpath(base + rel)
        if os.path.exists(os.path.join(REPO, cand)) and cand.startswith("src/"):
            return cand
    return None


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def upward(graph):
    bad = []
    for src, targets in graph.items():
        for t in targets:
            ls, lt = layer_of(src), layer_of(t)
            if ls and lt and LAYERS[lt] > LAYERS[ls]:
                bad.append((src, t))
    return sorted(bad)


def longest_functions(files, n=10):
    found = []
    for f in files:
        if not f.endswith(".c"):
            continue
        lines = open(os.path.join(REPO, f), encoding="utf-8").read().split("\n")
        i = 0
        while i < len(lines):
            if lines[i] == "{" and i > 0:
                j = i - 1
                while j > 0 and lines[j - 1].strip() and not lines[j - 1].startswith(
                        ("}", "/*", " *", "#")) and not lines[j - 1].endswith(";"):
                    j -= 1
                m = re.search(r"(\w+)\s*\(", " ".join(lines[j:i + 1]))
                k = i + 1
                while k < len(lines) and lines[k] != "}":
                    k += 1
                found.append((k - j + 1, f, m.group(1) if m else "?"))
                i = k
            i += 1
    return sorted(found, reverse=True)[:n]


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip())
        return 2
    build = sys.argv[1]
    files = sources()
    incs = include_graph(files)
    calls = call_graph(build)
    problems = []
    for kind, graph in (("include", incs), ("call", calls)):
        for comp in cycles(graph):
            problems.append("%s cycle: %s" % (kind, " <-> ".join(comp)))
        for src, t in upward(graph):
            problems.append("%s upward: %s (%s) -> %s (%s)" % (kind, src, layer_of(src), t,
                                                              layer_of(t)))
    if not calls:
        problems.append("no object files under %s: build first" % build)
    if "--report" in sys.argv:
        for name in sorted(LAYERS, key=LAYERS.get, reverse=True):
            members = [f for f in files if layer_of(f) == name]
            print("%-6s %s" % (name, " ".join(os.path.basename(f) for f in members)))
        print("%d files, %d include edges, %d call edges between files" % (
            len(files), sum(map(len, incs.values())), sum(map(len, calls.values()))))
        print("longest functions:")
        for n, f, name in longest_functions(files):
            print("  %4d  %s  %s" % (n, f, name))
    for p in problems:
        print(p)
    print("layers: %s" % ("ok" if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
