import json
import os
import re
import sys

import pytest

from conftest import ROOT, run_zoo
from ganzoo import hookspecs
from ganzoo.errors import PluginError, UnknownNameError
from ganzoo.plugins import PluginHost
from plugin_sources import FUTURE_API, NO_API, RAISES_ON_IMPORT, TRIVIAL_VARIANT


def install_tiny(fake_site, dist="zoo-tiny"):
    fake_site.add(
        dist, "1.0", {"ganzoo.variants": {"tiny": "zoo_tiny"}}, {"zoo_tiny": TRIVIAL_VARIANT}
    )


def test_discovers_third_party_variant_from_entry_point_metadata(fake_site):
    install_tiny(fake_site)
    host = PluginHost()
    ref = host.refs("variant")["tiny"]
    assert (ref.distribution, ref.version, ref.builtin) == ("zoo-tiny", "1.0", False)
    assert "zoo_tiny" not in sys.modules  # discovery imports nothing
    assert host.get("variant", "tiny").id == "tiny"
    assert "zoo_tiny" in sys.modules


def test_builtins_are_declared_like_third_party_ones():
    refs = PluginHost().refs("variant")
    assert {"gan", "dcgan", "cgan", "wgan-gp", "lsgan", "sngan"} <= set(refs)
    assert all(refs[i].builtin and refs[i].distribution == "gan-zoo" for i in ("gan", "dcgan"))


def test_asking_for_one_variant_imports_only_that_plugin():
    code = (
        "import sys; from ganzoo.plugins import host; host().get('variant', 'dcgan'); "
        "print(sorted(m for m in sys.modules if m.startswith('ganzoo_')))"
    )
    done = __import__("subprocess").run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "['ganzoo_dcgan']"


def test_broken_plugin_is_recorded_and_the_host_keeps_working(fake_site):
    fake_site.add(
        "zoo-broken",
        "0.3",
        {"ganzoo.variants": {"broken": "zoo_broken"}},
        {"zoo_broken": RAISES_ON_IMPORT},
    )
    install_tiny(fake_site)
    host = PluginHost()
    with pytest.raises(PluginError, match=r"zoo-broken 0\.3.*broken on purpose"):
        host.get("variant", "broken")
    assert host.get("variant", "tiny").id == "tiny"
    listed = json.loads(run_zoo("list", "--json", "--implemented").stdout)
    status = {row["id"]: row["status"] for row in listed}
    assert status["broken"] == "broken" and status["tiny"] == "installed"
    assert status["dcgan"] == "built-in"


def test_broken_plugin_on_the_command_line_is_one_line_exit_2(fake_site):
    fake_site.add(
        "zoo-broken",
        "0.3",
        {"ganzoo.variants": {"broken": "zoo_broken"}},
        {"zoo_broken": RAISES_ON_IMPORT},
    )
    done = run_zoo("info", "broken")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("zoo: error:") and done.stderr.count("\n") == 1


def test_strict_mode_reraises_the_original_error(fake_site, monkeypatch):
    fake_site.add(
        "zoo-broken",
        "0.3",
        {"ganzoo.variants": {"broken": "zoo_broken"}},
        {"zoo_broken": RAISES_ON_IMPORT},
    )
    monkeypatch.setenv("GANZOO_STRICT_PLUGINS", "1")
    with pytest.raises(RuntimeError, match="broken on purpose"):
        PluginHost().get("variant", "broken")


def test_incompatible_plugin_api_is_refused_with_both_versions(fake_site):
    fake_site.add(
        "zoo-future",
        "2.0",
        {"ganzoo.variants": {"future": "zoo_future"}},
        {"zoo_future": FUTURE_API},
    )
    with pytest.raises(PluginError, match=r"needs plugin API 99.*provides API 1"):
        PluginHost().get("variant", "future")
    done = run_zoo("info", "future")
    assert done.returncode == 2 and "plugin API 99" in done.stderr


def test_plugin_without_api_version_is_refused(fake_site):
    fake_site.add(
        "zoo-noapi", "1.0", {"ganzoo.variants": {"noapi": "zoo_noapi"}}, {"zoo_noapi": NO_API}
    )
    with pytest.raises(PluginError, match="declares no plugin API version"):
        PluginHost().get("variant", "noapi")


def test_block_list_refuses_by_distribution_or_id(fake_site, monkeypatch):
    install_tiny(fake_site)
    monkeypatch.setenv("GANZOO_PLUGINS_BLOCK", "zoo-tiny")
    with pytest.raises(PluginError, match="blocked by GANZOO_PLUGINS_BLOCK"):
        PluginHost().get("variant", "tiny")
    monkeypatch.setenv("GANZOO_PLUGINS_BLOCK", "dcgan")
    with pytest.raises(PluginError, match="blocked"):
        PluginHost().get("variant", "dcgan")


def test_allow_list_admits_only_named_third_party_plugins(fake_site, monkeypatch):
    install_tiny(fake_site)
    fake_site.add(
        "zoo-other",
        "1.0",
        {"ganzoo.variants": {"other": "zoo_other"}},
        {"zoo_other": TRIVIAL_VARIANT.replace('id = "tiny"', 'id = "other"')},
    )
    monkeypatch.setenv("GANZOO_PLUGINS_ALLOW", "zoo-tiny")
    host = PluginHost()
    assert host.get("variant", "tiny").id == "tiny"
    assert host.get("variant", "dcgan").id == "dcgan"  # built-ins are always allowed
    with pytest.raises(PluginError, match="not in GANZOO_PLUGINS_ALLOW"):
        host.get("variant", "other")


def test_unknown_plugin_id_lists_known_ones():
    with pytest.raises(UnknownNameError, match="did you mean dcgan"):
        PluginHost().get("variant", "dcgann")


def test_plugins_command_reports_broken_ones(fake_site):
    fake_site.add(
        "zoo-broken",
        "0.3",
        {"ganzoo.variants": {"broken": "zoo_broken"}},
        {"zoo_broken": RAISES_ON_IMPORT},
    )
    install_tiny(fake_site)
    done = run_zoo(
        "plugins", "--check", "--json", "--distribution", "zoo-broken", "--distribution", "zoo-tiny"
    )
    records = {r["id"]: r for r in json.loads(done.stdout)}
    assert set(records) == {"broken", "tiny"}
    assert records["broken"]["status"] == "broken"
    assert "broken on purpose" in records["broken"]["error"]
    assert records["tiny"]["status"] == "ok"
    listed = json.loads(run_zoo("plugins", "--json").stdout)
    assert {r["id"] for r in listed} >= {"dcgan", "digits", "fid", "broken", "tiny"}


def test_every_hook_is_documented_in_the_plugin_guide():
    guide = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [name for name in dir(hookspecs) if name.startswith("ganzoo_")]
    assert len(hooks) >= 5
    undocumented = [h for h in hooks if not re.search(rf"^#+ .*`{h}", guide, re.MULTILINE)]
    assert undocumented == []


def test_environment_has_no_policy_leak():
    assert "GANZOO_PLUGINS_BLOCK" not in os.environ
