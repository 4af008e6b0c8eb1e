"""Runs inside the sandbox. The solution runs first, in a namespace of its own. The tests run
in a second namespace, with a copy of the builtins taken before the solution ran, and reach
the solution's names only through `_plain`, so `assert f(x) == y` cannot be won by a value
that lies about what it equals. The rule: a value is refused (the test fails) only when a
class in its type's MRO, other than the standard library's, defines a special method that
can change how the value compares, converts, counts, hashes or is read (__eq__, __lt__,
__bool__, __len__, __sub__, __float__, __iter__, __getattr__, __class__ ...). Allowed:
__init__, __new__, __repr__, __str__, __format__, __post_init__ and class bookkeeping.
"The standard library's" means a type written in C, or one of the Python classes listed in
_TRUSTED (Counter, Enum, Fraction ...), unchanged since the runner started. So these pass
unchanged: builtin values and their honest subclasses, Counter, defaultdict, OrderedDict,
namedtuples, deque, bytearray, Fraction, Decimal, enum members, dict views, a plain class
of the solution (one with __repr__ or __str__ too) and its instances, exception classes.
Items of containers are checked too; iterators (generators, map, itertools.chain ...) yield
checked items; functions are guarded; a class is handed to the tests as itself when its
metaclass and MRO are honest and it defines no __new__ (else as a guarded function), so
isinstance, `except`, static methods work. Refused, although honest: a @dataclass with its
generated __eq__ (use eq=False or compare fields), a class of the solution with __lt__ or
__eq__ (sorting inside the solution works; returning such objects does not), numpy scalars.
The tests see only the solution's names they mention: modules imported again by name. A
solution's function named like a builtin (`def set`) is passed only when it is the only
function of the solution the tests call (MBPP has a task `def sum`), and the tests'
builtins and imports are the unpatched ones. Out of reach, because the solution runs in the
same interpreter: patching a module in place (math.isclose = ...) or sys.modules, reaching
the tests or the runner through frames, gc or threads (rebinding names in the tests'
namespace, replacing `_plain`), attributes and methods of returned objects and of classes
handed over (`Solution().solve(x)` is not checked), arguments changed in place, and
searching memory for the token. Treat scores of an adversarially trained policy with care.

The supervisor (supervisor.py) runs this file's text as __main__, with the
status pipe's descriptor in sys.argv[1]. It is plain Python so that linters read it; it is
never imported.
"""

import ast
import builtins
import collections
import enum
import fractions
import importlib
import os
import sys
import traceback
import types

__builtins__ = dict(vars(builtins))  # the runner's own names resolve here, whatever the solution patches
_write, _exit, _print_exc, _import_module = os.write, os._exit, traceback.print_exc, importlib.import_module
_FLAT = (str, bytes, bytearray, range, memoryview)  # iterable, but their items are plain already
_HARMLESS = {
    "__module__",
    "__qualname__",
    "__doc__",
    "__dict__",
    "__weakref__",
    "__slots__",
    "__annotations__",
    "__firstlineno__",
    "__static_attributes__",
    "__orig_bases__",
    "__parameters__",
    "__match_args__",
    "__init__",
    "__new__",
    "__post_init__",
    "__repr__",
    "__str__",
    "__format__",
    "__getnewargs__",
    "__init_subclass__",
    "__class_getitem__",
    "__dataclass_fields__",
    "__dataclass_params__",
}
_mro, _flags = type.__dict__["__mro__"].__get__, type.__dict__["__flags__"].__get__
_name = type.__dict__["__name__"].__get__
_HEAP_TYPE = 1 << 9  # a class made at run time; a C type (int, dict_keys, Decimal) is not
# Python classes of the standard library, and their vars, by id: a lying metaclass cannot pose as one.
_TRUSTED = {
    id(klass): (klass, dict(vars(klass)))
    for trusted in (collections.Counter, enum.EnumType, enum.IntEnum, enum.IntFlag, fractions.Fraction)
    for klass in _mro(trusted)
}


def _trusted(klass):
    known, names = _TRUSTED.get(id(klass), (None, None))
    now = vars(klass)
    return (not _flags(klass) & _HEAP_TYPE) or (
        known is klass and len(now) == len(names) and all(name in now and now[name] is names[name] for name in names)
    )


def _harmless(klass, allowed=_HARMLESS):
    return all(type(name) is str and (name in allowed or not name.startswith("__")) for name in vars(klass))


def _honest(kind):
    return all(_trusted(klass) or _harmless(klass) for klass in _mro(kind))


def _check_items(value, kind):
    """Items of a container must be plain too; the container is kept as it is."""
    for item in dict.values(value) if issubclass(kind, dict) else ():
        _check_item(item)
    for item in value:
        _check_item(item)


def _check_item(item):
    if _plain(item) is not item:  # an iterator or a function inside: cannot be checked without running it
        raise TypeError("the solution returned a container holding " + _name(type(item)))


def _plain(value):
    kind = type(value)
    if not _honest(kind):
        raise TypeError("the solution returned a value that is not plain data: " + _name(kind))
    if isinstance(value, type):
        return value if _honest(type(value)) and _harmless_class(value) else _guard(value)
    if callable(value):
        return _guard(value)
    if issubclass(kind, _FLAT):
        return value
    if _defines(kind, "__next__"):
        return (_plain(item) for item in value)
    if _defines(kind, "__iter__"):
        _check_items(value, kind)
    return value


def _defines(kind, name):  # on the type's MRO, not its metaclass (an Enum class iterates, its members do not)
    return any(name in vars(klass) for klass in _mro(kind))


def _harmless_class(klass):
    """Calling it cannot return anything but its own honest instance: no __new__ of the solution's."""
    allowed = _HARMLESS - {"__new__"}
    return all(_trusted(base) or _harmless(base, allowed) for base in _mro(klass))


def _guard(function):
    def guarded(*args, **kwargs):
        return _plain(function(*args, **kwargs))

    return guarded


def _shared(solution, used):
    names = [name for name in list(solution) if type(name) is str and name in used and not name.startswith("__")]
    own = [name for name in names if name not in __builtins__ and callable(solution[name])]
    shared = {}
    for name in names:
        value = solution[name]
        if name in __builtins__ and own:
            continue
        shared[name] = _import_module(value.__name__) if type(value) is types.ModuleType else _plain(value)
    return shared


def _main(status_fd):
    token = sys.stdin.readline().strip().encode()
    sys.stdin.close()
    solution_source, tests_source = [open(name, encoding="utf-8").read() for name in ("solution.py", "tests.py")]
    try:
        tests_tree = ast.parse(tests_source, "tests.py")
        used = {node.id for node in ast.walk(tests_tree) if type(node) is ast.Name}
        tests_code = compile(tests_tree, "tests.py", "exec")
        solution = {"__name__": "solution", "__builtins__": builtins}
        exec(compile(solution_source, "solution.py", "exec"), solution)
        tests = {"__name__": "tests", "__builtins__": dict(__builtins__), **_shared(solution, used)}
        exec(tests_code, tests)
    except BaseException:
        _print_exc()
        _exit(1)
    _write(status_fd, token)
    _exit(0)


if __name__ == "__main__":
    _main(int(sys.argv[1]))
