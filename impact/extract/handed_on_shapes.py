"""Names that declare a shape, not a use of a column (impact.extract.handed_on asks): a validation
schema's field ("schema"), a GraphQL document's or a URL path's name ("api"), a graphql-js field's
declaration ("type"), a raw query's option ("argument").

- A validation schema (`z.object({`, `yup.object().shape({`, `ZSchema.extend({`) is the shape of an
  API's input or an app type: formbricks' `z.object({ environmentId: ZId })` of a server action and its
  `ZEnvironment`, 2 of the 13 not-db lines of the round-3 Prisma sample; sim's API contracts. One checked
  against a type (`}) satisfies z.ZodType<ProjectTeam>`, `const Z: z.ZodType<T> = z.object(`) breaks with
  the model's type and stays evidence (formbricks' packages/database/zod, labelled DB-reaching).
  `.pick`/`.omit` are left: on a model's generated schema they name its fields (impact.orm.checked_keys).
- A GraphQL document (gql`query { user { firstName } }`, a string opening with `query`) or a URL path
  (`"/client/{environmentId}/responses"`, formbricks' OpenAPI spec) names what a client sends to an API;
  the database's name is on another line (opencollective's GraphQL tests: not-db in the labels).
- A graphql-js field (`firstName: { type: GraphQLString }`, or after its description: opencollective's
  `isPledged: { description: ..., type: GraphQLBoolean }`) is the API's schema; its resolver reads the row.
- `{ type: sequelize.QueryTypes.SELECT }` is a raw query's option, not the column `type` (outline).
"""
from __future__ import annotations

import re

from impact.extract.typescript.scan import Scanned, StringLiteral

_GRAPHQL_FIELD = re.compile(r"\s*:\s*\{\s*(?:description\s*:\s*(?:'[^'\n]*'|\"[^\"\n]*\"|`[^`]*`)\s*,\s*)?type\s*:\s*(?:new\s+)?GraphQL")
_QUERY_OPTION = re.compile(r"\s*:\s*(?:[\w$]+\s*\.\s*)?QueryTypes\s*\.")
_SCHEMA_CALL = re.compile(r"(?:(?<![\w$.])(?:z|zod|yup|Joi|joi|v|t|Type)\s*\.\s*(?:object|strictObject|looseObject|Object)"
                          r"|\.\s*(?:extend|safeExtend|shape|partial|required|deepPartial))\s*(?:<[^<>()]*>)?\s*\(\s*$")
_SATISFIES = re.compile(r"\s*\)\s*satisfies\b")
_ZOD_TYPED = re.compile(r":\s*z\.Zod\w*<[^=;]*>\s*=\s*[^;=]*$")
_GRAPHQL_TAG = re.compile(r"(?<![\w$])(?:gql|graphql)\s*(?:\(\s*)?$")
_API_TEXT = re.compile(r"\s*(?:(?:query|mutation|subscription|fragment)\b|https?://\S*$|/[\w{}:.\-/?=&$]*$)")


def declared_field(masked: str, stop: int) -> str | None:
    """The kind of a key ending at `stop` by what follows it: a raw query's option, a graphql-js field."""
    if _QUERY_OPTION.match(masked, stop):
        return "argument"
    return "type" if _GRAPHQL_FIELD.match(masked, stop) else None


def schema_object(scanned: Scanned, brace: int) -> bool:
    """Is the object opened at `brace` a validation schema's fields, checked against no type?"""
    masked = scanned.masked
    if _SCHEMA_CALL.search(masked, max(0, brace - 80), brace) is None:
        return False
    close = scanned.closing(brace)
    after = masked[close + 1:close + 40] if close is not None and close > brace else ""
    return _SATISFIES.match(after) is None and _ZOD_TYPED.search(masked, max(0, brace - 160), brace) is None


def api_literal(masked: str, literal: StringLiteral) -> bool:
    """Is the literal a GraphQL document or a URL path?"""
    if literal.quote == "`" and _GRAPHQL_TAG.search(masked, max(0, literal.start - 20), literal.start):
        return True
    return _API_TEXT.match("".join(literal.chunks)) is not None
