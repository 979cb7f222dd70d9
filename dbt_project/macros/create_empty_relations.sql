{#-
    run-operation on a new warehouse (orchestration.create_incremental_relations): for each named incremental model, an
    empty view with the columns and data types of its contract. The model's unit tests run it as incremental and read
    the columns of the existing relation, so one must exist before its first build; that build finds a view, not a
    table, so it is a full build (dbt replaces the view with the table and its indexes), and the only one.
-#}
{% macro create_empty_relations(models) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name in models %}
        {%- if not node.config.contract.enforced %}
            {{ exceptions.raise_compiler_error(node.name ~ ": its empty relation is made from an enforced contract") }}
        {%- endif %}
        {%- set relation = api.Relation.create(
            database=target.database, schema=node.schema, identifier=node.alias, type='view'
        ) %}
        {%- do adapter.create_schema(relation) %}
        {%- set columns = [] %}
        {%- for column in node.columns.values() %}
            {%- do columns.append('cast(null as ' ~ column.data_type ~ ') as ' ~ adapter.quote(column.name)) %}
        {%- endfor %}
        {%- call statement('create_' ~ node.name) %}
            create view {{ relation }} as select {{ columns | join(', ') }} where false
        {%- endcall %}
        {%- do log('created the empty view ' ~ relation ~ ' for the unit tests of ' ~ node.name, info=true) %}
    {%- endfor %}
    {%- do adapter.commit() %}
{% endmacro %}
