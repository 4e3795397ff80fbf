"""Optional Dask execution of a config's independent jobs (``pip install optad[distributed]``).

``--scheduler local`` starts a ``dask.distributed.LocalCluster`` on this machine; any other
value is the address of a running scheduler (``tcp://host:8786``). Each job is the same
``run_job`` call the in-process runner makes, with the same plain-data arguments, so the
iterates are identical either way; only timings differ.
"""
from __future__ import annotations

import os

from .config import Config
from .jobs import job_title, job_to_dict, run_job

INSTALL_HINT = "pip install optad[distributed]"


class DistributedUnavailable(RuntimeError):
    """Dask is not installed, or the scheduler cannot be reached."""


def _import_distributed():
    try:
        import dask.distributed as distributed
    except ImportError as error:
        raise DistributedUnavailable(
            f"--scheduler needs Dask's distributed scheduler, which is not installed "
            f"({error}); install it with: {INSTALL_HINT}") from None
    return distributed


def connect(scheduler: str):
    """A dask.distributed.Client for ``scheduler`` ("local" starts a LocalCluster)."""
    distributed = _import_distributed()
    if scheduler == "local":
        workers = max(1, min(4, os.cpu_count() or 1))
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        return distributed.Client(cluster)
    try:
        return distributed.Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise DistributedUnavailable(f"cannot reach the Dask scheduler at {scheduler!r}: "
                                     f"{error}") from None


def close(client) -> None:
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def dask_results(client, config: Config, jobs, stream):
    """Submit every job; yield each result as it finishes, printing one line per job."""
    distributed = _import_distributed()
    config_dict = config.to_dict()
    futures = {client.submit(run_job, config_dict, job_to_dict(job), pure=False): job
               for job in jobs}
    try:
        for done, future in enumerate(distributed.as_completed(futures), 1):
            record = future.result()
            job = futures[future]
            stream.write(f"[{done}/{len(jobs)}] {job_title(config, job)}: done "
                         f"(nit={record['nit']}, {record['wall_s']:.2f}s on a worker)\n")
            stream.flush()
            yield record
    finally:
        for future in futures:
            future.cancel()
