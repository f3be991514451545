"""RFC 7386 merge patches limited to the fields desired owns."""

from ansible_collections.pgkube.operator.plugins.module_utils.plan.compare import contains
from ansible_collections.pgkube.operator.plugins.module_utils.plan.merge_patch import apply_merge_patch, merge_patch


def test_rfc7386_apply_examples():
    assert apply_merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert apply_merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert apply_merge_patch({"a": "b"}, {"a": None}) == {}
    assert apply_merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert apply_merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert apply_merge_patch([1, 2], {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_patch_touches_only_desired_fields():
    observed = {"metadata": {"uid": "u", "resourceVersion": "9", "labels": {"a": "1", "other": "x"}},
                "spec": {"replicas": 1, "revisionHistoryLimit": 10, "clusterIP": "10.0.0.1"}, "status": {"x": 1}}
    desired = {"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 3}}
    patch = merge_patch(observed, desired)
    assert patch == {"metadata": {"labels": {"a": "2"}}, "spec": {"replicas": 3}}
    assert contains(apply_merge_patch(observed, patch), desired)


def test_equal_quantities_give_no_patch():
    observed = {"spec": {"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}}
    assert merge_patch(observed, {"spec": {"resources": {"requests": {"cpu": "0.5", "memory": "1024Mi"}}}}) == {}


def test_lists_are_replaced_whole():
    observed = {"spec": {"ports": [{"port": 1, "protocol": "TCP"}]}}
    assert merge_patch(observed, {"spec": {"ports": [{"port": 2}]}}) == {"spec": {"ports": [{"port": 2}]}}


def test_annotation_keys_we_dropped_are_removed_but_excluded_ones_kept():
    cfg = type("Cfg", (), {"ignored_annotations": ["keep/me"]})()
    observed = {"metadata": {"annotations": {"gone": "1", "keep/me": "2", "kubectl.kubernetes.io/restartedAt": "t", "same": "s"}}}
    desired = {"metadata": {"annotations": {"same": "s", "new": "n"}}}
    assert merge_patch(observed, desired, cfg) == {"metadata": {"annotations": {"new": "n", "gone": None}}}
    assert merge_patch(observed, {"metadata": {"annotations": {}}}, cfg) == {"metadata": {"annotations": {"gone": None, "same": None}}}
    assert merge_patch(observed, desired, cfg, remove_annotations=False) == {"metadata": {"annotations": {"new": "n"}}}


def test_nothing_to_do_gives_empty_patch():
    obj = {"metadata": {"name": "x", "annotations": {"a": "1"}}, "spec": {"a": [1, 2]}}
    assert merge_patch(obj, obj) == {}
