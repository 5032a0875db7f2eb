#!/usr/bin/env python3
"""Converts the OpenAPI document from YAML (what people edit) to JSON (what /openapi.json serves)."""
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as src:
    doc = yaml.safe_load(src)
with open(sys.argv[2], "w", encoding="utf-8") as dst:
    json.dump(doc, dst, separators=(",", ":"), sort_keys=False)
