{#-
    The materialization of a model that recomputes what newer files change (macros/recompute.sql): incremental on
    PostgreSQL; on Spark, whose Parquet tables cannot delete the rows recomputed, a full rebuild (table).
-#}
{% macro recomputed_materialization() -%}
    {{ return(adapter.dispatch('recomputed_materialization')()) }}
{%- endmacro %}

{% macro default__recomputed_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__recomputed_materialization() -%}
    {{ return('table') }}
{%- endmacro %}
