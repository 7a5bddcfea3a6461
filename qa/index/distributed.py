"""Chunking and embedding on a Ray cluster, for builds and updates too large for one machine.

Ray Data streams the articles through a pool of actors; each actor loads the index's embedder
once and chunks and embeds one group of articles at a time with the same code as a local build
(``building.chunk_and_embed``, over the same groups, so the vectors are the same bit for bit). The driver keeps what must see the whole corpus: reading
(duplicates are dropped across files), BM25 and FAISS over every passage, and writing the
version through ``building.write_version``, so a Ray build is the same format, manifest,
checksums and crash-safe publishing as a local one.

``ray`` is an optional extra and is imported here only when a Ray build runs, so ``import qa``
and local builds never load it.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from qa.errors import ModelMismatchError, SettingError
from qa.index.building import ARTICLES_PER_GROUP, Tables, chunk_and_embed
from qa.ingest.chunking import ChunkSettings
from qa.ingest.corpus import Article
from qa.models.embedder import Embedder, ModelIdentity, make_embedder
from qa.progress import progress
from qa.timing import collect, record, stage

LOCAL = "auto"  # start a Ray on this machine for the build
LOCAL_CPUS = 2
RAY_MISSING = 'Ray builds need the ray extra: pip install -e ".[ray]"'


@dataclass(frozen=True)
class RayBuild:
    """Where and how wide to chunk and embed.

    ``address`` is ``"auto"`` for a Ray started on this machine (2 CPUs, loopback only,
    stopped after the build) or the address of a running cluster, joined as it is. ``workers``
    is the number of actors, each holding one copy of the model; by default one per CPU of the
    cluster. ``load_embedder`` makes each actor's embedder; by default ``make_embedder`` with
    the model and backend of the driver's embedder, so workers embed exactly as a local build.
    """

    address: str = LOCAL
    workers: int | None = None
    load_embedder: Callable[[], Embedder] | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise SettingError(f"ray workers: {self.workers}; give at least 1")


def chunk_and_embed_on_ray(articles: Sequence[Article], *, settings: ChunkSettings, embedder: Embedder,
                           ray: RayBuild, show_progress: bool) -> Tables:
    """What ``building.chunk_and_embed`` returns for ``articles``, computed by Ray actors."""
    ray_module = _import_ray()
    if not articles:
        return chunk_and_embed(articles, settings=settings, embedder=embedder, show_progress=False)
    load = ray.load_embedder or functools.partial(make_embedder, embedder.identity.name, backend=embedder.identity.backend)
    with ray_session(ray.address):
        groups = -(-len(articles) // ARTICLES_PER_GROUP)
        # no more actors than groups: each one loads the model
        workers = min(groups, ray.workers or max(1, int(ray_module.cluster_resources().get("CPU", 1))))
        cpus = max(1, int(ray_module.cluster_resources().get("CPU", 1)) // workers)
        dataset = _pipeline(ray_module, articles, load=load, expected=embedder.identity, settings=settings,
                            workers=workers, cpus=cpus)
        with stage("ray"):
            parts = list(_collected(dataset, total=len(articles), show_progress=show_progress))
    return _assembled(parts, dimension=embedder.identity.dimension)


def _pipeline(ray_module, articles: Sequence[Article], *, load: Callable[[], Embedder], expected: ModelIdentity,
              settings: ChunkSettings, workers: int, cpus: int):
    """The articles as a Ray dataset of groups (one row each: the groups a local build embeds
    together), mapped through a fixed pool of ``workers`` actors."""
    groups = [{"row": first, "articles": list(articles[first : first + ARTICLES_PER_GROUP])}
              for first in range(0, len(articles), ARTICLES_PER_GROUP)]
    with warnings.catch_warnings():
        # Ray 2.60 names max_restarts=0 as the way to turn restarts off, and warns about it.
        warnings.simplefilter("ignore", DeprecationWarning)
        return ray_module.data.from_items(groups, override_num_blocks=len(groups)).map_batches(
            _ChunkAndEmbed, fn_constructor_kwargs={"load": load, "expected": expected, "settings": settings,
                                                    "threads": cpus},
            batch_size=1, compute=ray_module.data.ActorPoolStrategy(size=workers), num_cpus=cpus,
            # A failed actor fails the build (the published index stays as it was) rather than
            # restarting from constructor arguments Ray may have dropped (ray-project/ray#53727).
            max_restarts=0,
        )


def _import_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise SettingError(RAY_MISSING) from None
    return ray


@contextmanager
def ray_session(address: str = LOCAL) -> Iterator[None]:
    """Ray for a build: one already running in this process, else started (``"auto"``) or
    joined (an address) here and left again afterwards; its own progress bars and logs quiet."""
    ray_module = _import_ray()
    context = ray_module.data.DataContext.get_current()
    context.enable_progress_bars = False  # the build shows its own
    context.print_on_execution_start = False
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if ray_module.is_initialized():
        yield
        return
    with stage("ray_start"):
        if address == LOCAL:
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report leaves the machine
            ray_module.init(num_cpus=LOCAL_CPUS, include_dashboard=False, _node_ip_address="127.0.0.1",
                            logging_level=logging.ERROR, log_to_driver=False)
        else:
            ray_module.init(address=address, logging_level=logging.ERROR, log_to_driver=False)
    try:
        yield
    finally:
        ray_module.shutdown()


class _ChunkAndEmbed:
    """One Ray actor: the embedder loaded once, then groups of articles chunked and embedded."""

    def __init__(self, *, load: Callable[[], Embedder], expected: ModelIdentity, settings: ChunkSettings,
                 threads: int) -> None:
        os.environ["OMP_NUM_THREADS"] = str(threads)  # as many threads as CPUs the actor was given
        self.embedder = load()
        if self.embedder.identity != expected:
            raise ModelMismatchError(f"a Ray worker loaded {self.embedder.identity}, the driver {expected}; "
                                     "every node needs the same model")
        self.settings = settings

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, object]:
        """One group of articles: its rows (numbered in the corpus) and vectors, and the stage seconds."""
        (first,), (articles,) = batch["row"], batch["articles"]
        with collect() as clock:
            tables = chunk_and_embed(list(articles), settings=self.settings, embedder=self.embedder, show_progress=False)
        return {
            "row": np.asarray([first]),
            "chunk_rows": _ragged(_shifted(tables.chunk_rows, first)),
            "vectors": _ragged(tables.chunk_vectors),
            "sentence_rows": _ragged(_shifted(tables.sentence_rows, first)),
            **{f"{_SECONDS}{name}": np.asarray([seconds]) for name, seconds in clock.items()},
        }


_SECONDS = "seconds_"


def _shifted(rows: np.ndarray, first: int) -> np.ndarray:
    """Rows renumbered from the group's article positions to the corpus's."""
    rows = rows.copy()
    rows[:, 0] += first
    return rows


def _ragged(array: np.ndarray) -> np.ndarray:
    """One cell holding an array of any length (Ray stores such cells as ragged tensors)."""
    cell = np.empty(1, dtype=object)
    cell[0] = array
    return cell


@dataclass(frozen=True)
class _Part:
    """One group's rows and vectors as an actor returned them."""

    row: int
    chunk_rows: np.ndarray
    vectors: np.ndarray
    sentence_rows: np.ndarray


def _collected(dataset, *, total: int, show_progress: bool) -> Iterator[_Part]:
    """The actors' output as it arrives, a progress step per group. Workers' stage seconds
    join this build's stages as ``workers_<stage>``: summed over workers, not wall time."""
    for record_ in progress(dataset.iter_rows(), desc=f"Chunking and embedding on Ray ({ARTICLES_PER_GROUP} articles a step)",
                            unit="step", enabled=show_progress, total=-(-total // ARTICLES_PER_GROUP)):
        for key, seconds in record_.items():
            if key.startswith(_SECONDS):
                record(f"workers_{key.removeprefix(_SECONDS)}", float(seconds))
        yield _Part(int(record_["row"]), np.asarray(record_["chunk_rows"], dtype=np.int64),
                    np.asarray(record_["vectors"], dtype=np.float32), np.asarray(record_["sentence_rows"], dtype=np.int64))


def _assembled(parts: list[_Part], *, dimension: int) -> Tables:
    """The groups' parts in corpus order, as one set of tables."""
    parts = sorted(parts, key=lambda p: p.row)
    chunk_rows = np.concatenate([p.chunk_rows.reshape(-1, 4) for p in parts])
    vectors = np.concatenate([p.vectors.reshape(-1, dimension) for p in parts])
    sentence_rows = np.concatenate([p.sentence_rows.reshape(-1, 3) for p in parts])
    return Tables(chunk_rows, vectors, sentence_rows, len(chunk_rows))
