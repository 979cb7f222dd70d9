"""The read-only role BI tools connect as: SELECT on the kpi and marts schemas and on the alert tables, nothing else."""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

from metrics_warehouse.warehouse.connection import connect, database_name

log = logging.getLogger(__name__)

BI_ROLE = "metrics_bi"
BI_SCHEMAS = ("kpi", "marts")
# The data-quality dashboard lists open alerts: these tables of ops are readable, the rest of ops (and raw) is not.
BI_OPS_TABLES = ("alerts", "alert_state")


def grant_bi_access(url: str, role: str = BI_ROLE, password: str | None = None) -> bool:
    """Create (if needed) a login role with read-only access to the BI schemas; False when not permitted."""
    statements = [
        sql.SQL(
            "do $$ begin if not exists (select from pg_roles where rolname = {name}) then "
            "create role {role} login nosuperuser nocreatedb nocreaterole; end if; end $$"
        ).format(name=sql.Literal(role), role=sql.Identifier(role)),
        sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database_name(url)), sql.Identifier(role)),
    ]
    if password:
        statements.append(sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(password)))
    for schema in BI_SCHEMAS:
        names = {"schema": sql.Identifier(schema), "role": sql.Identifier(role)}
        statements += [
            sql.SQL("create schema if not exists {schema}").format(**names),
            sql.SQL("grant usage on schema {schema} to {role}").format(**names),
            sql.SQL("grant select on all tables in schema {schema} to {role}").format(**names),
            sql.SQL("alter default privileges in schema {schema} grant select on tables to {role}").format(**names),
        ]
    statements.append(sql.SQL("create schema if not exists ops"))
    statements.append(sql.SQL("grant usage on schema ops to {}").format(sql.Identifier(role)))
    statements += [
        sql.SQL(
            "do $$ begin if to_regclass({name}) is not null then grant select on {table} to {role}; end if; end $$"
        ).format(name=sql.Literal(f"ops.{table}"), table=sql.Identifier("ops", table), role=sql.Identifier(role))
        for table in BI_OPS_TABLES
    ]
    try:
        with connect(url) as conn:
            conn.execute("select pg_advisory_xact_lock(hashtext('metrics_warehouse.bi_access'))")
            for statement in statements:
                conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege as error:
        log.warning("cannot set up the read-only BI role %s: %s", role, error)
        return False
    return True
