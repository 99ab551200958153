"""tests/mutate.py, the mutation runner: the one-line bugs it makes, and that each one is valid Python."""

from __future__ import annotations

import mutate

SOURCE = '''\
"""A docstring, never mutated: < and &amp;."""
NAME = "café"; LIMIT = 3


def check(a, b, items):
    total = 0
    total += a
    if a <= b and not items:
        return "é" + f"{a < b}"
    print("&amp;", ("=", "\\t"))
    return a == LIMIT
'''


def descriptions(source: str = SOURCE) -> list[str]:
    return [m.description for m in mutate.find_mutants("m.py", source)]


def test_each_kind_of_mutation_is_found():
    found = descriptions()
    for expected in ["3  ->  4", "3  ->  2", "total += a  ->  total -= a", "a <= b  ->  a < b",
                     "a <= b and (not items)  ->  a <= b or not items", "not items  ->  items",
                     "'&amp;'  ->  ''", "'\\t' left out of ('=', '\\t')", "a == LIMIT  ->  a != LIMIT",
                     "return a == LIMIT  ->  return None"]:
        assert expected in found, (expected, found)
    assert any(d.startswith("call deleted: print(") for d in found)
    assert not any(d.startswith(("a < b", "a >= b")) for d in found)  # inside an f-string: left alone
    assert not any("docstring" in d for d in found)


def test_a_mutation_changes_only_its_span_even_after_non_ascii_text():
    source = 'x = "é"; y = 1 + 2 if x != "é" else 0\n'
    (mutant,) = [m for m in mutate.find_mutants("m.py", source) if m.description == "1 + 2  ->  1 - 2"]
    assert mutate.apply(source, mutant) == 'x = "é"; y = (1 - 2) if x != "é" else 0\n'
    (mutant,) = [m for m in mutate.find_mutants("m.py", source) if m.description.startswith("x != ")]
    assert mutate.apply(source, mutant) == 'x = "é"; y = 1 + 2 if (x == \'é\') else 0\n'


def test_every_mutant_of_the_example_source_and_a_real_module_compiles_and_differs():
    real = "salesmd/render/output.py"
    for path, source in [("m.py", SOURCE), (real, (mutate.ROOT / real).read_text())]:
        mutants = mutate.find_mutants(path, source)
        assert len(mutants) > 10
        for m in mutants:
            changed = mutate.apply(source, m)
            assert changed != source, m.label()
            compile(changed, path, "exec")


def test_the_same_seed_draws_the_same_sample():
    modules = mutate.expand(["salesmd/render/output.py", "salesmd/io/export.py"])
    first = mutate.choose(modules, 5, seed=7)
    assert first == mutate.choose(modules, 5, seed=7)
    assert len(first) == 5 and first != mutate.choose(modules, 5, seed=8)
    assert all(mutate.tests_for(m.path) for m in first)


def test_every_module_named_for_mutation_exists():
    # a module moved or renamed: its entry must follow it, or its mutants are never drawn
    named = list(mutate.TESTS) + mutate.DEFAULT_MODULES
    missing = [m for m in named if not (list(mutate.ROOT.glob(m)) if "*" in m else (mutate.ROOT / m).exists())]
    assert not missing, f"tests/mutate.py names modules that are not there: {missing}"
    tests = {t for files in mutate.TESTS.values() for t in files}
    assert all((mutate.ROOT / t).is_file() for t in tests)
