#!/usr/bin/env python3
"""Checks `docker compose -f deploy/compose.yaml config --format json` (read on stdin): every
image pinned to a tag other than latest, every bind mount's source present, the build's
Dockerfile present. Run by deploy/validate.sh; exit status 1 with one line per problem."""

import json
import os
import sys


def main():
    cfg = json.load(sys.stdin)
    bad = []
    for name, svc in cfg["services"].items():
        image = svc.get("image", "")
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            bad.append(f"service {name}: image {image!r} is not pinned to a tag")
        for v in svc.get("volumes", []):
            if v["type"] == "bind" and not os.path.exists(v["source"]):
                bad.append(f"service {name}: bind mount source {v['source']} does not exist")
        build = svc.get("build")
        if build:
            dockerfile = os.path.join(build["context"], build.get("dockerfile", "Dockerfile"))
            if not os.path.isfile(dockerfile):
                bad.append(f"service {name}: no Dockerfile at {dockerfile}")
    if bad:
        print("\n".join(bad), file=sys.stderr)
        sys.exit(1)
    print(f"deploy/compose.yaml: {len(cfg['services'])} services, images pinned, mounts present")


if __name__ == "__main__":
    main()
