{#-
    run-operation on a new warehouse (orchestration.create_incremental_relations): the named incremental models' tables,
    empty, from their contracts (columns, data types, constraints) with their configured indexes. Their unit tests read
    the existing table's columns, so it must exist before their first build; that build then finds it empty and reads
    every file (watermark 0), as a full build would, instead of a full build running twice on the first day.
-#}
{% macro create_empty_tables(models) %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name in models %}
        {%- if not node.config.contract.enforced %}
            {{ exceptions.raise_compiler_error(node.name ~ ": an empty table is made from an enforced contract") }}
        {%- endif %}
        {%- set relation = api.Relation.create(
            database=target.database, schema=node.schema, identifier=node.alias, type='table'
        ) %}
        {%- do adapter.create_schema(relation) %}
        {%- set definitions = adapter.render_raw_columns_constraints(node.columns)
            + adapter.render_raw_model_constraints(node.constraints) %}
        {%- call statement('create_' ~ node.name) %}
            create table if not exists {{ relation }} ({{ definitions | join(', ') }});
            {%- for index in node.config.get('indexes', []) %}
            {{ get_create_index_sql(relation, index) }};
            {%- endfor %}
        {%- endcall %}
        {%- do log('created the empty table ' ~ relation ~ ' for the first build of ' ~ node.name, info=true) %}
    {%- endfor %}
    {%- do adapter.commit() %}
{% endmacro %}
