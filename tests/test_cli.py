"""The command line: same rules as the API, clear errors, non-zero exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile


def roster(*args: str, env: dict, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roster.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_cli_operator_tenant_and_users():
    data = tempfile.mkdtemp(prefix="roster-cli-")
    env = os.environ | {"ROSTER_DATA_DIR": data, "ROSTER_DATABASE_URL": "",
                        "ROSTER_SECRET_KEY": "cli-test"}
    assert roster("db", "upgrade", env=env).returncode == 0
    r = roster("admin", "create-operator", "alice", env=env)
    assert r.returncode == 0 and r.stdout.strip().startswith("rop_")
    r = roster("admin", "create-operator", "alice", env=env)
    assert r.returncode != 0 and "operator_exists" in r.stderr
    r = roster("tenant", "create", "acme", "Acme", "--sip-domain", "acme.pbx.example", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["sip_domain"] == "acme.pbx.example"
    r = roster("tenant", "create", "acme2", "Acme", "--sip-domain", "acme.pbx.example", env=env)
    assert r.returncode == 1 and "sip_domain_taken" in r.stderr
    assert "acme\tAcme" in roster("tenant", "list", env=env).stdout
    r = roster("user", "create", "acme", '{"full_name": "Ann", "login": "ann", "agent_pin": "12345"}',
               env=env)
    assert r.returncode == 2 and "agent_pin: pin_sequential" in r.stderr
    r = roster("user", "create", "acme", "-", env=env,
               stdin='{"full_name": "Ann", "login": "ann", "extension": "100"}')
    assert r.returncode == 0, r.stderr
    uid = json.loads(r.stdout)["id"]
    assert "ann\tAnn" in roster("user", "list", "acme", env=env).stdout
    assert json.loads(roster("user", "show", "acme", str(uid), env=env).stdout)["extension"] == "100"
    r = roster("user", "show", "acme", "9999", env=env)
    assert r.returncode == 1 and "Not found" in r.stderr
    r = roster("user", "create", "nope", '{"full_name": "X", "login": "x"}', env=env)
    assert r.returncode == 1
