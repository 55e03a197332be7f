"""The packages of a JavaScript monorepo's workspace, by name: where `@sim/db` or `@app/db/schema` lives.

A monorepo's code imports its own packages by their package.json names (`import { credentialSet }
from "@sim/db"`): the folders are the root package.json's `workspaces` (npm, yarn, bun: a list or
`{ packages: [...] }`) and pnpm-workspace.yaml's `packages:`, each a folder or a `dir/*` pattern. A
package path is resolved inside its package: `exports` (".", "./schema": a path, or the first
`types`/`import`/`default`/`require` path of a condition map), else for the package itself `source`
(the TS source a bundler builds from: hedgedoc's `@hedgedoc/database`), `types`, `typings`, `module`,
`main`, then `index`, `src/index`; a subpath as a folder's file (`schema`,
`src/schema`). Read only, from the repository.

Known limits (xfail in tests/test_model_import_sources.py): `exports` patterns (`"./*": "./lib/*.ts"`)
are not expanded (a subpath is tried as `<sub>` and `src/<sub>` only), nor `**` workspace patterns
(they would walk node_modules). A package's built output (`main: "dist/index.js"`) names no source
file: its path stays unresolved, as any path impact cannot read.
"""
from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path

_CONDITIONS = ("types", "import", "default", "require", "node")
_MAX_PACKAGES = 500


def workspace_packages(root: Path) -> dict[str, tuple[str, dict]]:
    """Package name -> (its folder relative to `root`, its package.json), for the workspace's packages."""
    found: dict[str, tuple[str, dict]] = {}
    for pattern in _patterns(root):
        if pattern.startswith("!") or "**" in pattern:
            continue
        for manifest in sorted(root.glob(posixpath.join(pattern.strip("/"), "package.json")))[:_MAX_PACKAGES]:
            data = _json(manifest)
            if isinstance(data.get("name"), str) and manifest.resolve().is_relative_to(root.resolve()):
                found.setdefault(data["name"], (manifest.parent.relative_to(root).as_posix(), data))
    return found


def package_entries(spec: str, packages: dict[str, tuple[str, dict]]) -> list[str] | None:
    """The paths (relative to the repository, without extension) `spec` may name inside a workspace
    package, most likely first; None when `spec` is no workspace package's."""
    name = next((n for n in sorted(packages, key=len, reverse=True) if spec == n or spec.startswith(n + "/")), None)
    if name is None:
        return None
    folder, manifest = packages[name]
    sub = spec[len(name):].lstrip("/")
    paths = []
    target = _export(manifest.get("exports"), "./" + sub if sub else ".")
    if target:
        paths.append(target)
    if not sub:
        paths += [manifest[k] for k in ("source", "types", "typings", "module", "main") if isinstance(manifest.get(k), str)]
        paths += ["index", "src/index"]
    else:
        paths += [sub, f"src/{sub}"]
    return [posixpath.normpath(posixpath.join(folder, re.sub(r"\.(d\.ts|[mc]?[jt]sx?)$", "", p))) for p in paths]


def _export(exports, key: str) -> str | None:
    """The path `exports[key]` names (a string, or the first condition's path)."""
    if isinstance(exports, str):
        return exports if key == "." else None
    if not isinstance(exports, dict):
        return None
    value = exports.get(key) if any(k.startswith(".") for k in exports) else (exports if key == "." else None)
    for _ in range(4):  # nested conditions: { import: { types: "./x.ts" } }
        if isinstance(value, str) or not isinstance(value, dict):
            break
        value = next((value[c] for c in _CONDITIONS if c in value), None)
    return value if isinstance(value, str) else None


def _patterns(root: Path) -> list[str]:
    workspaces = _json(root / "package.json").get("workspaces")
    if isinstance(workspaces, dict):
        workspaces = workspaces.get("packages")
    patterns = [w for w in workspaces if isinstance(w, str)] if isinstance(workspaces, list) else []
    try:
        pnpm = (root / "pnpm-workspace.yaml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        pnpm = ""
    listed = re.search(r"^packages\s*:\s*\n((?:[ \t]*(?:-.*|#.*)?\n?)*)", pnpm, re.MULTILINE)
    if listed:
        patterns += [m.strip().strip("'\"") for m in re.findall(r"^[ \t]*-[ \t]*([^#\n]+)", listed.group(1), re.MULTILINE)]
    return patterns


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
