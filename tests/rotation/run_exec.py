"""The `exec` adapter: runs a Lambda-style handler with the event rekey
writes on stdin. usage: run_exec.py <module>.<function>"""

import importlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
module, function = sys.argv[1].rsplit(".", 1)
getattr(importlib.import_module(module), function)(json.load(sys.stdin), None)
