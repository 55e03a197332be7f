"""Running the extractors over files: one file's extraction isolated (`_extract`: a failure marks
that file not analysed, never ends the scan), and a pool of worker processes for many files
(`run_jobs`: results yielded as each is ready, a broken pool retried once)."""
from __future__ import annotations

import os
from typing import Iterator

from impact import collector
from impact.extract import extractor_name, load_extractor
from impact.extract_guard import FILE_SECONDS, FileTimeout, time_budget
from impact.model import Extraction, FileIssue

PARALLEL_THRESHOLD = 48  # below this, starting worker processes costs more than it saves


def _extract(job: tuple) -> Extraction:
    """One file's extraction; never raises, never crashes the process (extract_guard.py). Any
    exception (a sqlglot optimizer error, an ast RecursionError, a bug of ours) marks that file not
    analysed, a FileIssue that lowers the confidence: one bad file never ends the scan. Such
    results are not cached (see cacheable), so a fixed extractor retries."""
    rel, text, *cut = job  # cut: what impact.extract.python.kept_functions keeps (cut_parses.py)
    collector.resume()  # a parse: cycles to collect again (impact.collector)
    try:
        with time_budget(FILE_SECONDS):
            if cut:
                from impact.extract.python.kept_functions import extract_kept

                return extract_kept(rel, text, *cut[0])
            return load_extractor(extractor_name(rel)).extract(rel, text)
    except RecursionError:
        return Extraction(issues=[FileIssue(rel, TOO_DEEP)])
    except FileTimeout:
        return Extraction(issues=[FileIssue(rel, f"{TIMED_OUT} {FILE_SECONDS:g} s")])
    except Exception as error:  # noqa: BLE001 - isolation is the point
        detail = " ".join(str(error).split())[:160]
        return Extraction(issues=[FileIssue(rel, f"{NOT_ANALYSED} ({type(error).__name__}: {detail})")])


TIMED_OUT = "not analysed: parsing it took longer than"
TOO_DEEP = "too deeply nested to parse: not analysed"
NOT_ANALYSED = "not analysed: the extractor failed"
WORKER_DIED = "not analysed: the worker process parsing it died"


def cacheable(extraction: Extraction) -> bool:
    """A slow machine or a failed extractor is not a property of the file: such results are not cached."""
    return not any(i.reason.startswith((TIMED_OUT, NOT_ANALYSED, WORKER_DIED)) for i in extraction.issues)


def run_jobs(jobs: list[tuple], progress) -> Iterator[Extraction]:
    """The extraction of each job, in order, yielded as soon as it is ready."""
    total = len(jobs)
    if total < PARALLEL_THRESHOLD:
        for done, job in enumerate(jobs, start=1):
            yield _extract(job)
            if progress:
                progress(done, total)
        return
    collector.resume()  # parses (impact.collector)
    from concurrent.futures import ProcessPoolExecutor  # only when used: its import is not free
    from concurrent.futures.process import BrokenProcessPool

    import multiprocessing

    if multiprocessing.get_start_method() == "fork":
        # Forked workers inherit what the parent imported: import each extractor (sqlglot, pglast
        # dialects) once here instead of once in every worker (8 % of a cold scan, issue 13).
        for name in {extractor_name(job[0]) for job in jobs}:
            load_extractor(name).extract  # noqa: B018 - a lazy package loads its finders on first use
    done = 0
    # A worker killed mid-file (a native crash, the OOM killer) breaks the pool: the rest is tried
    # once more in a fresh pool, then what is still left is reported as not analysed.
    for attempt in range(2):
        workers = min(os.cpu_count() or 2, 8)
        try:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                with collector.frozen_while_forking():  # map submits every chunk: the workers are forked here
                    extractions = pool.map(_extract, jobs[done:], chunksize=16)
                for extraction in extractions:
                    done += 1
                    yield extraction
                    if progress:
                        progress(done, total)
            return
        except BrokenProcessPool:
            continue
    for rel, *_ in jobs[done:]:
        done += 1
        yield Extraction(issues=[FileIssue(rel, WORKER_DIED)])
        if progress:
            progress(done, total)
