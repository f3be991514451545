"""KubeApi's read memo (one module run): a read asked twice is one request until its kind is written."""

from ansible_collections.pgkube.operator.plugins.module_utils.kube.api import KubeApi


class Answer:
    def __init__(self, value):
        self.value = value

    def to_dict(self):
        return self.value


class FakeResource:
    """In-memory objects of one kind; counts the GETs it serves."""

    def __init__(self, kind, store):
        self.kind, self.store, self.gets = kind, store, 0

    def get(self, name=None, namespace=None, label_selector=None, **_params):
        self.gets += 1
        if name is None:
            return Answer({"items": [dict(o) for (k, _ns, _n), o in sorted(self.store.items()) if k == self.kind]})
        return Answer(dict(self.store[(self.kind, namespace, name)]))

    def patch(self, body, name, namespace, content_type, **_params):
        self.store[(self.kind, namespace, name)].update(body)
        return Answer(dict(self.store[(self.kind, namespace, name)]))


class FakeResources:
    def __init__(self, store):
        self.by_kind = {}
        self.store = store

    def get(self, api_version, kind):
        return self.by_kind.setdefault(kind, FakeResource(kind, self.store))


class FakeDynamicClient:
    def __init__(self, store):
        self.resources = FakeResources(store)


def make(memo):
    store = {("Secret", "ns", "a"): {"kind": "Secret", "data": {"k": "1"}},
             ("Service", "ns", "s"): {"kind": "Service", "spec": {}}}
    client = FakeDynamicClient(store)
    return KubeApi(client, memo_reads=memo), client.resources


def test_without_memo_every_read_is_a_request():
    api, resources = make(memo=False)
    api.get("Secret", "v1", "ns", "a")
    api.get("Secret", "v1", "ns", "a")
    assert api.requests["read"] == 2 and resources.get("v1", "Secret").gets == 2


def test_memo_answers_repeated_reads_with_copies():
    api, resources = make(memo=True)
    first = api.get("Secret", "v1", "ns", "a")
    first["data"]["k"] = "changed by the caller"
    again = api.get("Secret", "v1", "ns", "a")
    assert again["data"]["k"] == "1"                       # a copy: callers cannot spoil the memo
    api.list("Secret", "v1", "ns", "cluster-name=x")
    api.list("Secret", "v1", "ns", "cluster-name=x")
    api.list("Secret", "v1", "ns", "cluster-name=y")      # another selector is another read
    assert api.requests["read"] == 3 and resources.get("v1", "Secret").gets == 3


def test_a_write_forgets_the_reads_of_its_kind_only():
    api, resources = make(memo=True)
    api.get("Secret", "v1", "ns", "a")
    api.get("Service", "v1", "ns", "s")
    api.patch("Secret", "v1", "ns", "a", {"data": {"k": "2"}})
    assert api.get("Secret", "v1", "ns", "a")["data"]["k"] == "2"
    api.get("Service", "v1", "ns", "s")
    assert resources.get("v1", "Secret").gets == 2 and resources.get("v1", "Service").gets == 1
