#!/usr/bin/python3
"""Writes data/datasets/faker_names/names.tsv from Debian's python3-fake-factory (Faker,
MIT): every locale's first and last names, one "first<TAB>Name" or "last<TAB>Name" a
line, sorted, so the PII name lexicon (cs-train --task pii --names) knows names of many
languages and not only the few hundred seen in the Presidio training templates.

    /usr/bin/python3 tools/cs-train/faker_names.py > data/datasets/faker_names/names.tsv
"""
import importlib
import pkgutil

import faker.providers.person as person


def names(prov, attrs):
    out = set()
    for attr in attrs:
        v = getattr(prov, attr, ()) or ()
        out.update(v.keys() if isinstance(v, dict) else v)
    return out


def main():
    first, last = set(), set()
    for m in pkgutil.iter_modules(person.__path__):
        prov = importlib.import_module("faker.providers.person." + m.name).Provider
        first |= names(prov, ("first_names", "first_names_male", "first_names_female"))
        last |= names(prov, ("last_names",))
    for kind, s in (("first", first), ("last", last)):
        for n in sorted(s):
            n = n.strip()
            if n and "\t" not in n and "\n" not in n:
                print(f"{kind}\t{n}")


if __name__ == "__main__":
    main()
