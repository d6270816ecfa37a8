"""Worker process: measures one tool on the given cases of one workload.

Started by `harness.run_worker` as
`python -m benchmarks.worker MODULE TOOL CONFIG_JSON CASE...`; it prints one
marked JSON line per case, so the parent can time out or outlive a failing peer.
"""

from __future__ import annotations

import importlib
import json
import sys

from benchmarks.harness import MARK, Config, checkout, measure


def main(argv: list[str]) -> None:
    module_name, tool_name, config, *cases = argv
    # `benchmarks` is imported already, from this repository; autodiff_cli must come
    # from the checkout under test (an earlier commit's for the "before" rows), which
    # goes first, ahead of the current directory and any installed adiff.
    sys.path.insert(0, str(checkout()))
    module = importlib.import_module(module_name)
    tool = next(t for t in module.TOOLS if t.name == tool_name)
    cfg = Config(**json.loads(config))
    for case in cases:
        result = measure(module, tool, case, cfg)
        print(MARK + json.dumps({"case": case, **result}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
