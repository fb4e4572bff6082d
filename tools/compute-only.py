#!/usr/bin/env python3
"""List the compute-only CTS Amber scripts lavapipe passes and compare with a Pumice run.

A script is compute-only when every SHADER it declares is a compute shader.
usage: tools/compute-only.py [RESULTS.tsv]   (RESULTS.tsv from the amber runner: path, result)
Without RESULTS.tsv it prints the list of scripts (one per line), e.g. to feed the runner.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "conformance", "amber")
ROOT = os.environ.get("AMBER_ROOT", "/work/shared/conformance/amber" if not os.path.isdir(ROOT) else ROOT)


def read_tsv(path):
    out = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[0] != "path":
                out[cols[0]] = cols[1]
    return out


def compute_only(path):
    stages = []
    with open(path, errors="replace") as f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and words[0] == "SHADER":
                stages.append(words[1])
    return bool(stages) and all(s == "compute" for s in stages)


def main():
    lava = read_tsv(os.path.join(ROOT, "LAVAPIPE-RESULTS.tsv"))
    scripts = sorted(p for p, r in lava.items() if r == "pass" and compute_only(os.path.join(ROOT, p)))
    if len(sys.argv) < 2:
        print("\n".join(scripts))
        return
    ours = read_tsv(sys.argv[1])
    passed = [p for p in scripts if ours.get(p) == "pass"]
    for p in scripts:
        if ours.get(p) != "pass":
            print(f"MISS\t{p}\t{ours.get(p, 'not run')}")
    print(f"compute-only: {len(passed)} of {len(scripts)} pass")


if __name__ == "__main__":
    main()
