#!/usr/bin/python3
"""Checks policy files with the JSON Schema alone, as an editor or Ansible
would: PyYAML (YAML 1.1, the reader Ansible uses) and python3-jsonschema,
Debian's packages, independent of the Go code. Prints one line per file:
FILE<TAB>valid|invalid<TAB>why. A golden file of testdata/invalid is cut at
its "----------" line (what follows is the Go validator's expected output).
"""
import json
import sys

import jsonschema
import yaml


def main():
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        text = open(path, encoding="utf-8").read()
        text = text.split("\n----------\n")[0]
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as e:
            print(f"{path}\tinvalid\tYAML: {' '.join(str(e).split())}")
            continue
        except ValueError as e:  # a date PyYAML cannot build
            print(f"{path}\tinvalid\tYAML: {e}")
            continue
        if len(docs) != 1:
            # An editor checks each document; a policy is one.
            print(f"{path}\tinvalid\t{len(docs)} YAML documents")
            continue
        errors = sorted(validator.iter_errors(docs[0]), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            where = ".".join(str(p) for p in e.path)
            print(f"{path}\tinvalid\t{where}: {' '.join(e.message.split())[:200]}")
        else:
            print(f"{path}\tvalid\t")


main()
