"""Pretrained weights on the Hugging Face Hub: `hf:org/name[@revision]` or a catalogue id whose
entry pins weights. Downloads are limited to config.json, *.safetensors and README.md, hashes
that the catalogue knows are verified, and offline use fails fast with a clear message."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ganzoo.engine.tensorio import PICKLE_SUFFIXES
from ganzoo.errors import ZooError

ALLOWED = ["config.json", "*.safetensors", "README.md"]
REPO_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")


@dataclass(frozen=True)
class HubSource:
    repo_id: str
    revision: str | None = None
    hashes: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"hf:{self.repo_id}" + (f"@{self.revision}" if self.revision else "")


def parse_source(source: str) -> HubSource | None:
    """A hub source, or None for a local folder."""
    if source.startswith("hf:"):
        repo_id, _, revision = source[3:].partition("@")
        if not REPO_ID.match(repo_id):
            raise ZooError(f"{source!r}: expected hf:ORG/NAME or hf:ORG/NAME@REVISION")
        return HubSource(repo_id, revision or None)
    if Path(source).exists() or "/" in source or source.startswith("."):
        return None
    from ganzoo.catalogue import load_catalogue

    entry = load_catalogue().resolve(source)
    if not entry.weights:
        raise ZooError(
            f"{source!r} is neither a run folder nor a catalogue entry with weights "
            f"({entry.id} lists none); use hf:ORG/NAME for Hub weights"
        )
    weights = entry.weights[0]
    return HubSource(weights.repo_id, weights.revision, {f.path: f.sha256 for f in weights.files})


def endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def reachable(url: str, timeout: float = 1.0) -> bool:
    """A TCP connect to the endpoint: seconds, not huggingface_hub's retries."""
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def safe_relative(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ZooError(f"refusing file name {name!r}: it would escape its folder")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def hub_errors(label: str) -> Iterator[None]:
    """huggingface_hub's download errors as one-line ZooErrors naming what was asked for."""
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except (LocalEntryNotFoundError, FileNotFoundError):
        raise ZooError(
            f"{label} is not in the Hugging Face cache ({constants.HF_HUB_CACHE}) and the "
            "Hub cannot be reached"
            + (" (HF_HUB_OFFLINE is set)" if constants.HF_HUB_OFFLINE else "")
        ) from None
    except RevisionNotFoundError:
        raise ZooError(f"{label}: no such revision on {endpoint()}") from None
    except (RepositoryNotFoundError, EntryNotFoundError):
        raise ZooError(f"{label}: no such repository or file on {endpoint()}") from None


def pull(source: HubSource) -> Path:
    """The snapshot folder, downloaded or from the cache; verified before use."""
    from huggingface_hub import HfApi, constants, snapshot_download

    for name in source.hashes:
        safe_relative(name)
    offline = constants.HF_HUB_OFFLINE or not reachable(endpoint())
    if not offline:
        cached = _cached_snapshot(source)
        if cached is None:
            names = HfApi().list_repo_files(source.repo_id, revision=source.revision)
            _check_listing(source, names)
    with hub_errors(source.label):
        folder = Path(
            snapshot_download(
                source.repo_id,
                revision=source.revision,
                allow_patterns=ALLOWED,
                local_files_only=offline,
            )
        )
    verify(folder, source)
    return folder


def _cached_snapshot(source: HubSource) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    if not source.revision or not re.fullmatch(r"[0-9a-f]{40}", source.revision):
        return None
    found = try_to_load_from_cache(source.repo_id, "config.json", revision=source.revision)
    return Path(found).parent if isinstance(found, str) else None


def _check_listing(source: HubSource, names: list[str]) -> None:
    for name in names:
        safe_relative(name)
    if not any(n.endswith(".safetensors") for n in names):
        pickled = [n for n in names if Path(n).suffix.lower() in PICKLE_SUFFIXES]
        if pickled:
            raise ZooError(
                f"{source.label} holds weights only as Python pickles ({', '.join(pickled[:3])}), "
                "which can run code when loaded; gan-zoo reads safetensors only. Convert them "
                "where you trust them (safetensors.torch.save_file(torch.load(f, weights_only=True),"
                " 'generator.safetensors')) and push the result"
            )
        raise ZooError(f"{source.label} has no *.safetensors weights")


def verify(folder: Path, source: HubSource) -> None:
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in files:
        safe_relative(path.relative_to(folder).as_posix())
    for name, expected in source.hashes.items():
        path = folder / name
        if not path.exists():
            raise ZooError(f"{source.label}: {name} is missing from the snapshot")
        refuse_unless_hash(path, expected, f"{source.label}: {name}", "the catalogue pins")


def refuse_unless_hash(path: Path, expected: str, label: str, pinned_by: str) -> None:
    """A cached download whose hash is wrong is removed, so the next try downloads it again."""
    actual = sha256_of(path)
    if actual == expected:
        return
    blob = path.resolve()
    path.unlink()
    if blob != path and blob.exists():
        blob.unlink()
    raise ZooError(
        f"{label} has sha256 {actual[:12]}..., {pinned_by} {expected[:12]}...; the file was "
        "refused and removed from the cache"
    )


@dataclass(frozen=True)
class PinnedFile:
    """One file on the Hub that gan-zoo knows by its hash (third-party weights, for instance)."""

    repo_id: str
    filename: str
    sha256: str
    revision: str | None = None

    @property
    def label(self) -> str:
        return f"hf:{self.repo_id}/{self.filename}" + (f"@{self.revision}" if self.revision else "")


def pull_file(pinned: PinnedFile) -> Path:
    """The file, from the cache (no request) or downloaded, used only when its hash is the
    pinned one."""
    from huggingface_hub import constants, hf_hub_download, try_to_load_from_cache

    safe_relative(pinned.filename)
    cached = try_to_load_from_cache(
        pinned.repo_id, pinned.filename, constants.HF_HUB_CACHE, pinned.revision
    )
    offline = isinstance(cached, str) or constants.HF_HUB_OFFLINE or not reachable(endpoint())
    with hub_errors(pinned.label):
        path = Path(
            hf_hub_download(
                pinned.repo_id,
                pinned.filename,
                revision=pinned.revision,
                endpoint=endpoint(),
                cache_dir=constants.HF_HUB_CACHE,
                local_files_only=offline,
            )
        )
    refuse_unless_hash(path, pinned.sha256, pinned.label, "gan-zoo pins")
    return path


def resolve_folder(source: str | Path) -> Path:
    """A local folder for any source: a run folder as is, a hub source pulled."""
    hub_source = parse_source(str(source))
    return Path(source) if hub_source is None else pull(hub_source)


def model_card(run_dir: Path, config: dict) -> str:
    from huggingface_hub import ModelCard, ModelCardData

    variant, data = config["variant"], config["data"]["spec"]
    card_data = ModelCardData(
        library_name="gan-zoo", tags=["gan", variant], model_name=f"{variant} on {data}"
    )
    card_path = run_dir / "README.md"
    card = card_path.read_text() if card_path.exists() else ""
    evaluation = card[card.index("## Evaluation") :] if "## Evaluation" in card else ""
    body = (
        f"# {variant} trained with gan-zoo\n\n"
        f"- variant: `{variant}` (`zoo info {variant}`)\n- training data: `{data}`\n"
        f"- steps: {config.get('step', '?')}\n- networks: {', '.join(config['networks'])}\n\n"
        f"{evaluation}\n## How to sample\n\n```bash\npip install gan-zoo\n"
        "zoo sample hf:REPO_ID -n 64 -o grid.png\n```\n"
    )
    return str(ModelCard(f"---\n{card_data.to_yaml()}\n---\n\n{body}"))


def push(run_dir: Path, repo_id: str, private: bool = False, revision: str | None = None) -> dict:
    """Upload config, weights and a model card; returns a ready-to-paste catalogue entry."""
    from huggingface_hub import HfApi

    from ganzoo.engine.runfolder import read_config

    if not REPO_ID.match(repo_id):
        raise ZooError(f"--repo-id {repo_id!r}: expected ORG/NAME")
    config = read_config(run_dir)
    api = HfApi()
    api.create_repo(repo_id, private=private, exist_ok=True)
    if revision and revision != "main":
        api.create_branch(repo_id, branch=revision, exist_ok=True)
    with tempfile.TemporaryDirectory() as staging:
        folder = Path(staging)
        shutil.copy2(run_dir / "config.json", folder / "config.json")
        weights = sorted(run_dir.glob("*.safetensors"))
        for path in weights:
            shutil.copy2(path, folder / path.name)
        card = model_card(run_dir, config).replace("REPO_ID", repo_id)
        (folder / "README.md").write_text(card)
        info = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            revision=revision,
            commit_message=f"gan-zoo: {config['variant']} on {config['data']['spec']}",
        )
        files = [
            {"path": name, "sha256": sha256_of(folder / name)}
            for name in ["config.json", *(p.name for p in weights)]
        ]
    return {"repo_id": repo_id, "revision": info.oid, "files": files}


def weights_entry_json(entry: dict) -> str:
    return json.dumps(entry, indent=1)
