{#-
    Data tests on a staged source (a view over the whole raw history) can check only the rows its incremental reader
    has not read yet: `config: {where: "unread_by:<model>"}`. Those are the rows of files newer than the reader's newest
    file, and of released files (which it re-reads); the older rows were checked when they were new. Before the reader
    exists, every row. The reader is found in the graph, not by ref(): a ref would make it a parent of the test, which
    would then run after the reader has read the rows.
-#}
{% macro postgres__get_where_subquery(relation) -%}
    {{ return(unread_where_subquery(relation)) }}
{%- endmacro %}

{% macro spark__get_where_subquery(relation) -%}
    {{ return(unread_where_subquery(relation)) }}
{%- endmacro %}

{% macro unread_where_subquery(relation) -%}
    {%- set where = config.get('where') or '' -%}
    {%- if where.startswith('unread_by:') -%}
        {%- set where = unread_rows_filter(where.split(':', 1)[1]) -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{% macro model_relation(name) -%}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', name) | first -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
{%- endmacro %}

{% macro unread_rows_filter(reader_name) -%}
    {%- if not execute -%}{{ return('true') }}{%- endif -%}
    {%- set reader = model_relation(reader_name) -%}
    {%- set ledger = model_relation('stg_ops__ingest_ledger') -%}
    {%- if reader is none or ledger is none -%}{{ return('true') }}{%- endif -%}
    {%- set watermark = '(select coalesce(max(was_read.file_id), 0) from ' ~ reader ~ ' as was_read)' -%}
    {{ return(unread_file('file_id', watermark, ledger=ledger)) }}
{%- endmacro %}
