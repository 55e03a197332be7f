"""Names destructured from a parameter whose type declares them as a Prisma model's row.

```ts
type Props = { document: Document & { recipients: Recipient[] } };
export const DocumentDropdown = ({ document }: Props) => { ... document.status ... };
```
`document` holds a Document row in the function's body, as surely as `(document: Document)` does
(impact.orm.prisma_typed_literals.typed_variables): the compiler checks every read of it against
the model. React components and option-object functions are written this way throughout (documenso's
`DocumentPageViewDropdownProps`, `HandleDocumentOwnerDeleteOptions`).

Decisions: the type is a `type X = {...}` alias or an `interface X {...}` of the same file; a member
of it at its top level is a row when annotated with the model's row type (a name imported from a
Prisma client module, impact.orm.prisma_typed_literals), alone or intersected with more fields
(`Document & {...}`), or an array of it. The parameter is an object pattern annotated with the alias
(`({ document, user }: Props)`, on any number of lines); a renamed binding (`{ document: doc }`)
is the new name. The name holds the row from the line the pattern closes on to the end of the
function's body (the block opened on that line).

Known limit: a type imported from another module, or built with `Pick`/`Omit` or generics, is not read.
"""
from __future__ import annotations

import re

from impact.orm.mapping import OrmModel

_ALIAS = re.compile(r"\b(?:type\s+([A-Za-z_$][\w$]*)\s*(?:<[^=]*>)?\s*=\s*|interface\s+([A-Za-z_$][\w$]*)\s*(?:<[^{]*>)?\s*(?:extends[^{]*)?)\{")
_MEMBER = re.compile(r"^\s*(?:readonly\s+)?([A-Za-z_$][\w$]*)\s*\??\s*:\s*([A-Za-z_$][\w$]*)\s*(\[\s*\])?\s*(?=[&;,]|$)", re.M)
_PATTERN = re.compile(r"\(\s*\{([^{}()]*)\}\s*:\s*([A-Za-z_$][\w$]*)\s*\)")


def prop_rows(text: str, types: dict[str, OrmModel]) -> list[tuple[str, OrmModel, int, bool]]:
    """(name, model, the line its row starts, one row) for each name destructured from a parameter
    annotated with an alias whose member types it as a model's row (`types`: row type name -> model)."""
    if not types or ("type " not in text and "interface " not in text):
        return []
    aliases: dict[str, dict[str, tuple[OrmModel, bool]]] = {}
    for match in _ALIAS.finditer(text):
        body = _top_level(text, match.end() - 1)
        members = {m.group(1): (types[m.group(2)], not m.group(3)) for m in _MEMBER.finditer(body) if m.group(2) in types}
        if members:
            aliases[match.group(1) or match.group(2)] = members
    found = []
    for match in _PATTERN.finditer(text) if aliases else ():
        members = aliases.get(match.group(2))
        if not members:
            continue
        line = text.count("\n", 0, match.end()) + 1
        for binding in match.group(1).split(","):
            key, _, local = binding.partition(":")
            key, local = key.strip(), (local.split("=")[0].strip() or key.strip())
            if key in members and re.fullmatch(r"[A-Za-z_$][\w$]*", local):
                found.append((local, members[key][0], line, members[key][1]))
    return found


def _top_level(text: str, start: int) -> str:
    """The text of the braces opening at `start` with every nested bracket's content blanked, so a
    member of a nested object type is never read as the alias's own (strings are not told apart)."""
    out, depth = [], 0
    for i in range(start, min(len(text), start + 20000)):
        char = text[i]
        if char in "{[(<":
            depth += 1
            if depth > 1:
                out.append(char)  # keep the opener: `Document & {` still shows what follows the type
                continue
        elif char in "}])>" and not text.startswith("=>", i - 1):
            depth -= 1
            if depth == 0:
                break
        if depth == 1 or char == "\n":
            out.append(char)
    return "".join(out)
