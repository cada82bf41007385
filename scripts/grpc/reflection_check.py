"""Python's standard reflection client (grpcio-reflection, which speaks v1alpha) against a
running `senti serve`: lists the services and resolves senti.v1.Sentiment's methods.

    python3 -m venv .venv-grpc && .venv-grpc/bin/pip install -r scripts/grpc/requirements.txt
    .venv-grpc/bin/python scripts/grpc/reflection_check.py 127.0.0.1:50051

Exit 0 when senti.v1.Sentiment, senti.v1.Rooms and grpc.health.v1.Health are listed and
Sentiment's methods resolve; 1 otherwise."""

import sys

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)


def main():
    addr = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"
    with grpc.insecure_channel(addr) as ch:
        db = ProtoReflectionDescriptorDatabase(ch)
        services = set(db.get_services())
        print("services:", sorted(services))
        want = {"senti.v1.Sentiment", "senti.v1.Rooms", "grpc.health.v1.Health"}
        if not want <= services:
            print("missing:", sorted(want - services))
            return 1
        pool = DescriptorPool(db)
        svc = pool.FindServiceByName("senti.v1.Sentiment")
        methods = [m.name for m in svc.methods]
        print("senti.v1.Sentiment methods:", methods)
        return 0 if methods else 1


if __name__ == "__main__":
    sys.exit(main())
