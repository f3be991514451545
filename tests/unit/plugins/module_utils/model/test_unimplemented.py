# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pgkube maintainers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accepted fields that have no effect yet are named (issue 12, defect 13)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.pgkube.operator.plugins.module_utils import status as st
from ansible_collections.pgkube.operator.plugins.module_utils.model.unimplemented import ignored_features, ignored_message
from ansible_collections.pgkube.operator.tests.unit.builders import make_cluster


@pytest.mark.parametrize("spec,fields", [
    ({}, []),
    ({"enableConnectionPooler": True}, ["spec.enableConnectionPooler"]),
    ({"connectionPooler": {"mode": "session"}}, ["spec.connectionPooler"]),        # upstream: the section alone enables it
    ({"connectionPooler": {"mode": "session"}, "enableConnectionPooler": False}, []),
    ({"enableReplicaConnectionPooler": True}, ["spec.enableReplicaConnectionPooler"]),
    ({"enableLogicalBackup": True, "logicalBackupSchedule": "30 00 * * *"}, ["spec.enableLogicalBackup"]),
    ({"enableLogicalBackup": False}, []),
    ({"maintenanceWindows": ["01:00-06:00"]}, ["spec.maintenanceWindows"]),
    ({"streams": [{"applicationId": "a", "database": "foo", "tables": {"data.t": {"eventType": "e"}}}]}, ["spec.streams"]),
])
def test_ignored_features(spec, fields):
    assert [field for field, _what in ignored_features(make_cluster(**spec))] == fields


def test_the_message_names_fields_and_what_is_not_done():
    message = ignored_message(ignored_features(make_cluster(enableConnectionPooler=True, enableLogicalBackup=True)))
    assert "spec.enableConnectionPooler (no connection pooler Deployment" in message
    assert "spec.enableLogicalBackup (no logical-backup CronJob" in message
    assert st.features_condition(message)["status"] == "False"
    assert st.features_condition(None)["status"] == "True"
