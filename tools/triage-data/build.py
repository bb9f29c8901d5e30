#!/usr/bin/env python3
"""Assemble the hand-written triage corpus into JSONL.

Every record is authored by hand, one per line, in raw/<split>_NN.txt, in a compact
form so the labels sit next to the text while writing:

    industry lang CAT P ESC SENT | text        (\\n in text = line break)

CAT: BIL SHP PQ SUB REF TEC ACC GEN CMP CAN; P: 1 2 3;
ESC: - LEG SOC REQ IRA REP; SENT: HAP SAT NEU FRU ANG IRA.
Industry: saas ecom bank tel trav util oth (or the full names).
Files are read in name order and ids are given in that order, so appending a new
batch never renumbers the records already published.
"""
import glob, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "data", "triage")
SPLITS = {"train": ("T", "train.jsonl"), "dev": ("D", "dev.jsonl"),
          "mtrain": ("M", "messages_train.jsonl"), "mdev": ("N", "messages_dev.jsonl"),
          # the escalation probe set: held out from all tuning, kept in its own folders
          # so `cs-eval --only cues --triage data/triage/probe` scores it alone
          "probe": ("P", "probe/messages_dev.jsonl")}
RAW = {"probe": "probe"}
IND = {"saas": "saas", "ecom": "ecommerce", "bank": "banking", "tel": "telecom",
       "trav": "travel", "util": "utilities", "oth": "other"}
CAT = {"BIL": "BILLING", "SHP": "SHIPPING", "PQ": "PRODUCT_QUALITY", "SUB": "SUBSCRIPTION",
       "REF": "REFUND", "TEC": "TECHNICAL", "ACC": "ACCOUNT", "GEN": "GENERAL_INQUIRY",
       "CMP": "COMPLAINT", "CAN": "CANCELLATION"}
ESC = {"-": None, "LEG": "LEGAL_MENTION", "SOC": "SOCIAL_MEDIA_THREAT",
       "REQ": "CUSTOMER_REQUEST", "IRA": "IRATE_CUSTOMER", "REP": "REPEAT_CONTACT"}
SENT = {"HAP": "HAPPY", "SAT": "SATISFIED", "NEU": "NEUTRAL", "FRU": "FRUSTRATED",
        "ANG": "ANGRY", "IRA": "IRATE"}


def parse(line, where):
    head, sep, text = line.partition(" | ")
    parts = head.split()
    if not sep or len(parts) != 6:
        sys.exit(f"{where}: bad header {head!r}")
    ind, lang, cat, pri, esc, sent = parts
    if ind in IND.values():
        ind = next(k for k, v in IND.items() if v == ind)
    try:
        return {"text": text.strip().replace("\\n", "\n"), "industry": IND[ind],
                "lang": lang, "category": CAT[cat], "priority": "P" + pri,
                "escalation_expected": ESC[esc] is not None,
                "escalation_reason": ESC[esc], "sentiment": SENT[sent]}
    except KeyError as e:
        sys.exit(f"{where}: unknown code {e}")


def build(split):
    prefix, name = SPLITS[split]
    recs = []
    for path in sorted(glob.glob(os.path.join(HERE, RAW.get(split, "raw"), f"{split}_*.txt"))):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip() or line.startswith("#"):
                    continue
                recs.append(parse(line, f"{os.path.basename(path)}:{n}"))
    os.makedirs(os.path.dirname(os.path.join(OUT, name)), exist_ok=True)
    with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
        for i, r in enumerate(recs, 1):
            f.write(json.dumps({"id": f"{prefix}-{i:06d}", **r}, ensure_ascii=False) + "\n")
    return len(recs)


if __name__ == "__main__":
    for s in SPLITS:
        print(s, build(s))
