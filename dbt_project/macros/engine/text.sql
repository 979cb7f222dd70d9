{#- `expression` matches the regular expression `pattern` (a SQL string literal, quotes included). -#}
{% macro regex_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_match')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_match(expression, pattern) -%}
    {{ expression }} ~ {{ pattern }}
{%- endmacro %}

{% macro spark__regex_match(expression, pattern) -%}
    {{ expression }} rlike {{ pattern }}
{%- endmacro %}

{#-
    Every match of `pattern` (a regular expression as plain text: no SQL quoting, backslashes as the regex wants them)
    in `expression` replaced by `replacement` (plain text).
-#}
{% macro regexp_replace_all(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Spark's string literals read backslash escapes: each backslash of the regex is doubled. -#}
{% macro spark__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern | replace('\\', '\\\\') }}', '{{ replacement }}')
{%- endmacro %}

{#- `expression` without surrounding whitespace (spaces, tabs, line breaks and the ideographic space U+3000). -#}
{% macro trim_whitespace(expression) -%}
    {{ return(adapter.dispatch('trim_whitespace')(expression)) }}
{%- endmacro %}

{% macro default__trim_whitespace(expression) -%}
    btrim({{ expression }}, E' \t\r\n\u3000')
{%- endmacro %}

{% macro spark__trim_whitespace(expression) -%}
    btrim({{ expression }}, ' \t\r\n\u3000')
{%- endmacro %}
