"""How often the reconcile reads the postgresql CRD for its status schema (status_schema.py)."""

from ansible_collections.pgkube.operator.plugins.module_utils import status_schema as ss

UPSTREAM = {"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {"properties": {
    "status": {"type": "object", "properties": {"PostgresClusterStatus": {"type": "string"}}}}}}}]}}


class CrdApi:
    endpoint = "https://unit-test:6443"

    def __init__(self, crd):
        self.crd = crd
        self.reads = 0

    def get(self, kind, api_version, namespace, name):  # pylint: disable=unused-argument
        self.reads += 1
        return self.crd


def test_a_refresh_reads_the_crd_again_only_when_the_answer_is_old(monkeypatch):
    ss.forget()
    api = CrdApi(UPSTREAM)
    clock = [1000.0]
    monkeypatch.setattr(ss.time, "monotonic", lambda: clock[0])
    assert not ss.status_schema(api).keeps("conditions")
    for _cluster in range(50):  # fifty clusters writing their status at once
        ss.status_schema(api, refresh=True)
    assert api.reads == 1
    api.crd = {}  # the CRD upgraded to one that keeps everything
    clock[0] += ss.REFRESH_AFTER + 1
    assert ss.status_schema(api, refresh=True).keeps("conditions")
    assert api.reads == 2
    ss.forget()
