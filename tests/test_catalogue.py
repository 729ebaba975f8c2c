import csv
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SHARED, run_zoo
from ganzoo.catalogue import LETTERS, load_catalogue
from ganzoo.errors import CatalogueError, UnknownNameError

TSV = SHARED / "data" / "gan-zoo.tsv"
LECTURE_A_TO_Z = {
    "A": ["AC-GAN"],
    "B": ["BiGAN", "BGAN"],
    "C": ["CycleGAN", "CGAN"],
    "D": ["DCGAN", "DualGAN", "DRAGAN"],
    "E": ["EBGAN", "BEGAN"],
    "F": ["f-GAN"],
    "G": ["GAN"],
    "I": ["InfoGAN"],
    "L": ["LSGAN", "LS-GAN"],
    "M": ["MMGAN"],
    "N": ["NSGAN"],
    "O": ["OT-GAN"],
    "P": ["Progressive GAN"],
    "R": ["RankGAN"],
    "S": ["SeqGAN", "StackGAN", "StarGAN", "SGAN"],
    "T": ["Triple-GAN"],
    "U": ["Unrolled GAN"],
    "V": ["VAE-GAN"],
    "W": ["WGAN"],
    "X": ["XGAN"],
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_ids_are_unique_and_every_letter_is_known(catalogue):
    ids = [e.id for e in catalogue.entries]
    assert len(ids) == len(set(ids))
    assert {e.letter for e in catalogue.entries} <= set(LETTERS)


@pytest.mark.skipif(
    not TSV.exists(), reason="../shared/data/gan-zoo.tsv is not beside the checkout"
)
def test_every_tsv_row_is_in_the_registry(catalogue):
    with TSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert len(rows) == 501  # the data README says 500; the file holds 501 rows
    keyed = {(e.name, e.title) for e in catalogue.entries}
    missing = [r["Abbr."] for r in rows if (r["Abbr."].strip(), r["Title"].strip()) not in keyed]
    assert missing == []
    assert len(catalogue.entries) == len(rows) + 3  # MMGAN, NSGAN, PatchGAN added by hand


@pytest.mark.skipif(
    not TSV.exists(), reason="../shared/data/gan-zoo.tsv is not beside the checkout"
)
def test_registry_is_reproducible_from_tsv_and_overrides():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/build_registry.py"), "--tsv", str(TSV), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_lecture_a_to_z_is_featured_and_q_y_are_free(catalogue):
    featured = {}
    for letter, ids in catalogue.a_to_z.items():
        featured[letter] = {next(e.name for e in catalogue.entries if e.id == i) for i in ids}
    for letter, names in LECTURE_A_TO_Z.items():
        assert set(names) <= featured[letter], letter
    for free in "HJKQYZ":
        assert free not in catalogue.a_to_z
    assert not [e for e in catalogue.entries if e.letter in "QY"]


@pytest.mark.parametrize("name", ["AC-GAN", "acgan", "ACGAN", "ac gan", "Ac_Gan"])
def test_aliases_resolve_case_insensitively(catalogue, name):
    assert catalogue.resolve(name).id == "acgan"
    assert catalogue.resolve(name).arxiv == "1610.09585"


def test_lecture_names_missing_from_the_list_resolve(catalogue):
    assert catalogue.resolve("OTGAN").id == "otgan"
    assert catalogue.resolve("minibatch discrimination").id == "improved-gan"
    assert catalogue.resolve("Conditional GAN").arxiv == "1411.1784"
    assert catalogue.resolve("MMGAN").implementation == "gan"
    assert catalogue.resolve("NSGAN").implementation == "gan"
    assert catalogue.resolve("PatchGAN").implementation == "patchgan"


def test_colliding_names_get_distinct_ids_and_ambiguous_lookups_say_so(catalogue):
    sgans = [e for e in catalogue.entries if e.name == "SGAN"]
    assert len(sgans) == 5 and len({e.id for e in sgans}) == 5
    with pytest.raises(UnknownNameError, match="names 6 catalogue entries"):
        catalogue.resolve("SGAN")


def test_unknown_name_suggests_close_ones(catalogue):
    with pytest.raises(UnknownNameError, match="did you mean dcgan"):
        catalogue.resolve("dcgn")


def test_non_latin_names_group_under_hash(catalogue):
    assert catalogue.resolve("Δ-GAN").letter == "#"
    assert catalogue.resolve("3D-GAN").letter == "#"


def _broken_registry(tmp_path, mutate):
    data = json.loads((ROOT / "registry.json").read_text())
    mutate(data)
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data))
    return path


def test_hand_edited_registry_names_file_entry_and_field(tmp_path):
    def mutate(data):
        data["entries"][7]["year"] = "last spring"

    path = _broken_registry(tmp_path, mutate)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    message = str(err.value)
    assert str(path) in message and "entry 7" in message and "'year'" in message


def test_malformed_registry_is_one_line_exit_2(tmp_path):
    path = tmp_path / "registry.json"
    path.write_text('{"schema_version": 1, "entries": [')
    done = run_zoo("list", env={**__import__("os").environ, "GANZOO_REGISTRY": str(path)})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_duplicate_ids_are_refused(tmp_path):
    def mutate(data):
        data["entries"][3]["id"] = data["entries"][2]["id"]

    with pytest.raises(CatalogueError, match="repeats id"):
        load_catalogue(_broken_registry(tmp_path, mutate))
