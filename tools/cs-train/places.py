#!/usr/bin/python3
"""Writes data/datasets/places/places.tsv from Debian's iso-codes (ISO 3166-1 country
names, ISO 3166-2 states and provinces of the US, Canada, Australia, India, Germany and
the UK's countries) and tzdata (zone1970.tab: the cities that name time zones), one
"place<TAB>Name" a line, sorted. The PII name lexicon (cs-train --task pii --places)
flags one-word place names, which the person-name lists also hold ("Dallas", "Manila",
"Missouri" are Faker first names), so a lone capitalised place needs a cue to be a name.

    /usr/bin/python3 tools/cs-train/places.py > data/datasets/places/places.tsv
"""
import json

ISO = "/usr/share/iso-codes/json/"
SUBDIV_OF = ("US", "CA", "AU", "IN", "DE")


def main():
    out = set()
    for c in json.load(open(ISO + "iso_3166-1.json"))["3166-1"]:
        for k in ("name", "common_name"):
            if k in c:
                out.add(c[k])
    for d in json.load(open(ISO + "iso_3166-2.json"))["3166-2"]:
        if d["code"][:2] in SUBDIV_OF or d["code"] in ("GB-ENG", "GB-SCT", "GB-WLS", "GB-NIR"):
            out.add(d["name"])
    for line in open("/usr/share/zoneinfo/zone1970.tab"):
        if line.startswith("#"):
            continue
        zone = line.rstrip("\n").split("\t")[2]
        out.add(zone.split("/")[-1].replace("_", " "))
    for name in sorted(out):
        print("place\t" + name)


if __name__ == "__main__":
    main()
