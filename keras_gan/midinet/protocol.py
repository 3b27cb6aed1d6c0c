"""The family protocol classes (`keras_gan.family`), importable today.

`keras_gan/family.py` annotates `Option.type` as `type | None` inside the
class, where `type` already names the field's default (None), so the
module raises TypeError on import before Python 3.14. Until that line is
fixed, its own source is loaded here with postponed annotations (the same
classes, not copies); once it imports, the plain import is used.
"""

import __future__
import importlib.util
import sys
import types

try:
    from keras_gan.family import Family, Option, RunContext
except TypeError:
    _spec = importlib.util.find_spec("keras_gan.family")
    _module = types.ModuleType("keras_gan.family")
    _module.__file__ = _spec.origin
    with open(_spec.origin, encoding="utf-8") as _f:
        _code = compile(_f.read(), _spec.origin, "exec",
                        flags=__future__.annotations.compiler_flag, dont_inherit=True)
    sys.modules["keras_gan.family"] = _module
    exec(_code, _module.__dict__)
    Family, Option, RunContext = _module.Family, _module.Option, _module.RunContext

__all__ = ["Family", "Option", "RunContext"]
