"""The package's shape, read from its source with `ast` (nothing is imported):
no import cycles, no module over 400 lines, and Keras internals reached from
one module only (keras_gan/keras_internals.py)."""

import ast
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "keras_gan")
MAX_LINES = 400
INTERNALS = "keras_gan.keras_internals"
# Attributes of Keras objects that are not public API; like `keras.src`, only
# keras_internals may touch them.
PRIVATE_KERAS_ATTRIBUTES = ("_flatten_layers", "_seed_generators", "_trainable_variables",
                            "_non_trainable_variables", "_momentums", "_velocities")
# Modules over the limit that this layout's change may not edit (another change
# owns them); each entry says why. The test fails once one of them is short
# enough, so the list can only shrink.
OVER_LIMIT_FOR_NOW = {}


def package_modules(root=PACKAGE):
    """`{dotted module name: path}` of every Python file under `root`."""
    modules = {}
    base = os.path.dirname(root)
    for directory, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(directory, name)
            parts = os.path.relpath(path, base)[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _imported(node, module, is_package, modules):
    """The dotted names an `import` node (at any depth) brings in.

    `from package import name` imports the submodule `package.name` when
    there is one, else a name defined in `package/__init__.py`. (Importing a
    submodule runs its packages' __init__ files too; as in every import
    linter, that is not counted as an import of the package.)
    """
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # Relative: resolved against this module's package.
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        source = f"{package}.{node.module}" if node.module else package
    else:
        source = node.module
    return [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else source
            for alias in node.names]


def import_graph(modules):
    """`{module: set of keras_gan modules it imports}`, module level and inside
    functions alike (a function-level import closes a cycle just the same)."""
    graph = {}
    for module, path in modules.items():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        is_package = path.endswith("__init__.py")
        edges = set()
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for name in _imported(node, module, is_package, modules):
                # The module itself, or the innermost module of a dotted name.
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges.add(name)
        graph[module] = edges
    return graph


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_within(graph, component):
    """One cycle through `component`, as `a -> b -> ... -> a`, for the message."""
    members = set(component)
    start = component[0]
    path, node, seen = [start], start, {start}
    while True:
        node = sorted(n for n in graph[node] if n in members)[0]
        path.append(node)
        if node in seen:
            return " -> ".join(path[path.index(node):])
        seen.add(node)


def test_the_import_graph_has_no_cycle():
    graph = import_graph(package_modules())
    assert len(graph) > 50 and graph["keras_gan.trainer.run"], "the graph was not read"
    found = cycles(graph)
    assert not found, "import cycles: " + "; ".join(_path_within(graph, c) for c in found)


def test_no_module_is_over_400_lines():
    too_long = {}
    for module, path in package_modules().items():
        with open(path, encoding="utf-8") as f:
            lines = sum(1 for _ in f)
        if lines > MAX_LINES:
            too_long[module] = lines
    unexpected = {m: n for m, n in too_long.items() if m not in OVER_LIMIT_FOR_NOW}
    assert not unexpected, (f"modules over {MAX_LINES} lines (split them by concept): "
                            f"{unexpected}")
    fixed = sorted(set(OVER_LIMIT_FOR_NOW) - set(too_long))
    assert not fixed, f"{fixed} are short enough now: drop them from OVER_LIMIT_FOR_NOW"


def _internal_uses(tree):
    """Lines where `tree` imports `keras.src` or touches a private Keras attribute."""
    uses = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(name == "keras.src" or name.startswith("keras.src.") for name in names):
            uses.append((node.lineno, "imports keras.src"))
        if isinstance(node, ast.Attribute):
            if node.attr == "src" and isinstance(node.value, ast.Name) and node.value.id == "keras":
                uses.append((node.lineno, "reads keras.src"))
            if node.attr in PRIVATE_KERAS_ATTRIBUTES:
                uses.append((node.lineno, f"reads .{node.attr}"))
    return uses


def test_keras_internals_are_reached_from_one_module_only():
    modules = package_modules()
    assert INTERNALS in modules
    offenders = []
    for module, path in sorted(modules.items()):
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
        uses = _internal_uses(tree)
        if module == INTERNALS:
            assert uses, "keras_internals no longer needs Keras internals: remove it"
        else:
            offenders += [f"{path}:{line} {what}" for line, what in uses]
    assert not offenders, ("Keras internals outside keras_gan/keras_internals.py (route them "
                           "through it): " + "; ".join(offenders))
