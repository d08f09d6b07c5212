"""Glossary terms and the payloads of glossary mutations."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info
from strawberry.types.unset import UNSET

from axiom.graphql_types import UserError
from subgraphs.weaver.resolvers.access import loaders
from subgraphs.weaver.store.glossary import TermRecord

if TYPE_CHECKING:
    from subgraphs.weaver.types.catalog import Column, Table

TableRef = Annotated["Table", strawberry.lazy("subgraphs.weaver.types.catalog")]
ColumnRef = Annotated["Column", strawberry.lazy("subgraphs.weaver.types.catalog")]


@strawberry.enum(description="Lifecycle of a glossary term.")
class TermStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Proposed, not yet approved.")
    APPROVED = strawberry.enum_value("APPROVED", description="Approved for use.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="No longer to be used.")


@strawberry.federation.type(
    keys=["id"], description="A business term with its definition, linked to the tables and columns that hold it."
)
class GlossaryTerm:
    id: strawberry.ID = strawberry.field(description="Term id.")
    name: str = strawberry.field(description="Term name, unique within the tenant.")
    definition: str = strawberry.field(description="What the term means.")
    synonyms: list[str] = strawberry.field(description="Other names for the term.")
    owner: str | None = strawberry.field(description="Who is responsible for the term.")
    status: TermStatus = strawberry.field(description="Draft, approved or deprecated.")
    created_at: dt.datetime = strawberry.field(description="When the term was created.")
    updated_at: dt.datetime = strawberry.field(description="When the term was last changed.")
    parent_id: strawberry.Private[str | None]

    @classmethod
    def from_record(cls, r: TermRecord) -> GlossaryTerm:
        return cls(
            id=strawberry.ID(r.id),
            name=r.name,
            definition=r.definition,
            synonyms=list(r.synonyms),
            owner=r.owner,
            status=TermStatus(r.status),
            created_at=r.created_at,
            updated_at=r.updated_at,
            parent_id=r.parent_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> GlossaryTerm | None:
        """Another subgraph's reference; a term of another tenant (or unknown) resolves to null."""
        record = await loaders(info).term.load(str(id))
        return cls.from_record(record) if record else None

    @strawberry.field(description="The broader term this one belongs under, if any.")
    async def parent(self, info: Info) -> GlossaryTerm | None:
        if self.parent_id is None:
            return None
        record = await loaders(info).term.load(self.parent_id)
        return GlossaryTerm.from_record(record) if record else None

    @strawberry.field(description="Narrower terms directly under this one.")
    async def children(self, info: Info) -> list[GlossaryTerm]:
        return [GlossaryTerm.from_record(r) for r in await loaders(info).term_children.load(str(self.id))]

    @strawberry.field(description="Terms marked as related to this one.")
    async def related_terms(self, info: Info) -> list[GlossaryTerm]:
        return [GlossaryTerm.from_record(r) for r in await loaders(info).term_related.load(str(self.id))]

    @strawberry.field(description="Tables linked to the term.")
    async def tables(self, info: Info) -> list[TableRef]:
        links = await loaders(info).term_links.load(str(self.id))
        tables = await loaders(info).table.load_many([link.target_key for link in links if link.target_kind == "TABLE"])
        return [t for t in tables if t is not None]

    @strawberry.field(description="Columns linked to the term.")
    async def columns(self, info: Info) -> list[ColumnRef]:
        links = await loaders(info).term_links.load(str(self.id))
        columns = await loaders(info).column.load_many(
            [link.target_key for link in links if link.target_kind == "COLUMN"]
        )
        return [c for c in columns if c is not None]


@strawberry.input(description="A new glossary term.")
class CreateGlossaryTermInput:
    name: str = strawberry.field(description="Term name, unique within the tenant.")
    definition: str | None = strawberry.field(default=UNSET, description="What the term means.")
    synonyms: list[str] | None = strawberry.field(default=UNSET, description="Other names for the term.")
    parent_id: strawberry.ID | None = strawberry.field(default=UNSET, description="Broader term.")
    owner: str | None = strawberry.field(default=UNSET, description="Who is responsible for the term.")
    status: TermStatus | None = strawberry.field(default=UNSET, description="Lifecycle status (DRAFT by default).")


@strawberry.input(description="Changes to a glossary term; omitted fields keep their value.")
class UpdateGlossaryTermInput:
    id: strawberry.ID = strawberry.field(description="Term to change.")
    name: str | None = strawberry.field(default=UNSET, description="New name.")
    definition: str | None = strawberry.field(default=UNSET, description="New definition.")
    synonyms: list[str] | None = strawberry.field(default=UNSET, description="New synonyms (replace the old).")
    parent_id: strawberry.ID | None = strawberry.field(default=UNSET, description="New broader term; null: none.")
    owner: str | None = strawberry.field(default=UNSET, description="New owner.")
    status: TermStatus | None = strawberry.field(default=UNSET, description="New status.")


@strawberry.type(description="Result of a glossary term mutation.")
class GlossaryTermPayload:
    term: GlossaryTerm | None = strawberry.field(description="The term, unless userErrors is not empty.")
    user_errors: list[UserError] = strawberry.field(description="Problems with the input; empty on success.")


@strawberry.type(description="Result of deleting a glossary term.")
class DeleteGlossaryTermPayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="Id of the deleted term.")
    user_errors: list[UserError] = strawberry.field(description="Problems with the input; empty on success.")


@strawberry.enum(description="What a glossary CSV import does (or would do) to one term.")
class GlossaryImportAction(Enum):
    CREATE = strawberry.enum_value("CREATE", description="The term is new: it is created.")
    UPDATE = strawberry.enum_value("UPDATE", description="The term exists and some fields change.")
    UNCHANGED = strawberry.enum_value("UNCHANGED", description="The term is already as in the file.")


@strawberry.type(description="One term of a CSV import and what the import does (or would do) to it.")
class GlossaryImportChange:
    name: str = strawberry.field(description="Term name.")
    action: GlossaryImportAction = strawberry.field(description="What the import does to the term.")
    fields: list[str] = strawberry.field(description="Fields that change.")


@strawberry.type(description="Result of a glossary CSV import.")
class ImportGlossaryPayload:
    applied: bool = strawberry.field(description="True when the changes were written (not a dry run, no errors).")
    created: int = strawberry.field(description="Terms created (or that would be).")
    updated: int = strawberry.field(description="Terms updated (or that would be).")
    unchanged: int = strawberry.field(description="Terms already as in the file.")
    changes: list[GlossaryImportChange] = strawberry.field(description="Per-term changes.")
    user_errors: list[UserError] = strawberry.field(
        description="Problems, each with its CSV `line` and column as `field`; any problem means nothing is written."
    )
