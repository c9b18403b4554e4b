"""Writes the YAML corpus: values and what the aws CLI v2 prints for them
with `--output yaml` (its own YAMLDumper, so ruamel.yaml's C emitter, key
sorting and JSON for a lone scalar, exactly as v2 runs them). An empty object is left out: the formatter
prints nothing for it before the dumper is reached.

Run with the v2 virtualenv's python (tests/cli/record does):
    python yaml_corpus.py OUT.json
The values are drawn from a fixed seed, so the corpus is reproducible.
"""
import io
import json
import random
import sys

from awscli.formatter import YAMLDumper

PROBES = [
    "", " ", "a", "-", "--", "---", "...", "- a", "-a", "?", "? a", "?a", ":", ": a", ":a", "a:", "a: b", "a:b",
    "#", "# a", "a #b", "a#b", "a #", ",", "a,b", "[", "]", "{", "}", "[a]", "{a}", "&a", "*a", "!a", "|", ">",
    "'", "\"", "'a'", "\"a\"", "%a", "@a", "`a", "=", "<<", "~", "null", "Null", "NULL", "nUll", "true", "True",
    "TRUE", "tRue", "false", "False", "yes", "no", "on", "off", "y", "n", "Yes", "NO", "0", "1", "-1", "+1",
    "007", "0o17", "0x1F", "0b101", "0b2", "1_000", "1__0", "1.5", "-1.5", ".5", "1.", "1e3", "1E+3", "1.0e-3",
    "1e", ".inf", "-.inf", "+.Inf", ".INF", ".nan", ".NaN", "nan", "inf", "1:20", "1:20:30", "190:20:30.15",
    "2024-10-21", "2024-1-2", "2024-10-21T11:21:16+00:00", "2024-10-21 11:21:16", "2024-10-21t11:21:16Z",
    "2024-10-21T11:21:16.123456+05", "20241021", "12:30", "1.2.3", "1,000", "a b", "a  b", " a", "a ", "a\tb",
    "a\nb", "a\n", "\na", "a\n\nb", "a \nb", "a\n b", "\r", "a\rb", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85",
    "\u00a0", "é", "日本語", "\ufeff", "\u2028", "\U0001F600", "\ud7ff", "\ue000", "\ufffd", "\uffff",
    "arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf", "AWSCURRENT", "a'b", "a\"b", "a\\b",
    "{\"user\":\"app\",\"password\":\"pw\"}", "[1, 2]", "key: value", "x" * 79, "x" * 80, "x" * 81, "x" * 200,
    "word " * 30, ("word " * 30).strip(), "a" * 60 + " " + "b" * 30, "a b" * 40, "line one\nline two that is long " * 5,
    "  two leading", "trailing two  ", "tab\tand space ", "-1e", "+", "+a", ".", "..", "a.", "0.", "._1", "1_",
    "_1", "0o", "0x", "0xg", "1e1_0", "-0", "+0.0", "1 2", "@", "`", "!", "&", "*", "|a", ">a", "%",
]

ALPHABET = list("abcXYZ019 -_.:#,[]{}'\"!&*?|>@`%=~\\/\t\n") + ["é", "日", "\x85", "\u2028", "\x01"]


def random_string(rng):
    n = rng.choice([1, 2, 3, 5, 8, 20, 60, 100])
    return "".join(rng.choice(ALPHABET) if rng.random() < 0.5 else rng.choice("abcdefgh ") for _ in range(n))


def random_value(rng, depth):
    r = rng.random()
    if depth > 3 or r < 0.45:
        kind = rng.randrange(9)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.choice([0, 1, -7, 30, 4096, 10**12, 2**63, 1.5, -0.25, 1e21, 1e-7, 3.0, 100.0, 1e16])
        if kind < 5:
            return rng.choice(PROBES)
        return random_string(rng)
    if r < 0.75:
        return {
            rng.choice(PROBES + ["Name", "ARN", "Tags", "Key", "Value", "a", "b", "B", "_", "é", "10"]): random_value(rng, depth + 1)
            for _ in range(rng.randrange(5))
        }
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]


def dump(value):
    stream = io.StringIO()
    YAMLDumper().dump(value, stream)
    return stream.getvalue()


def main():
    rng = random.Random(20261205)
    values = [p for p in PROBES]
    values += [{"Key": p} for p in PROBES]
    values += [{p: "v"} for p in PROBES]
    values += [[p] for p in PROBES]
    values += [
        [], {"a": {}}, {"a": []}, [[]], [{}], [["a", "b"], ["c"]], [[["x"]]], [[{"a": 1}]],
        {"b": 1, "a": 2, "B": 3, "_": 4, "é": 5, "10": 6}, {"k": [{"a": [1, [2, 3]], "b": {"c": None}}]},
        {"x" * 130: "long key"}, {"a\nb": "multi-line key"}, 0, 1.5, True, None, 1e21,
    ]
    values += [v for v in (random_value(rng, 0) for _ in range(1500)) if v != {}]
    corpus = [{"value": v, "yaml": dump(v)} for v in values]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(corpus, f, ensure_ascii=False, indent=0)
        f.write("\n")


main()
