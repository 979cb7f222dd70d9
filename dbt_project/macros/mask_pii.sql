{#-
    Free text with e-mail addresses replaced by `[email]` and phone numbers by `[phone]`: Chinese mobiles
    (11 digits starting 1[3-9], optionally split 3-4-4 and prefixed +86 / 0086; first, so `0013` inside one is not
    read as an international prefix), other international numbers (+44 ..., 0086 21 ...), Chinese landlines
    (0xx-xxxxxxxx) and North-American style numbers ((555) 123-4567). Dates, amounts and ids such as ORD13800138000
    are left alone. Boundaries are look-arounds, so a number right next to Chinese text is still masked.
-#}
{% macro mask_pii(expression) -%}
    {%- set patterns = [
        ('[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}', '[email]'),
        ('((\\+|(?<![0-9])00)86[ -]?|(?<![0-9A-Za-z]))1[3-9][0-9][ -]?[0-9]{4}[ -]?[0-9]{4}(?![0-9A-Za-z])', '[phone]'),
        ('(\\+|(?<![0-9])00)[0-9]{1,3}[ .-]?(\\([0-9]{1,4}\\)|[0-9]{1,4})([ .-]?[0-9]{2,4}){2,5}(?![0-9])', '[phone]'),
        ('(?<![0-9A-Za-z])0[0-9]{2,3}[ -]?[0-9]{7,8}(?![0-9A-Za-z])', '[phone]'),
        ('(\\([0-9]{3}\\) ?|(?<![0-9A-Za-z])[0-9]{3}[ .-])[0-9]{3}[ .-][0-9]{4}(?![0-9A-Za-z])', '[phone]'),
    ] -%}
    {%- set ns = namespace(sql=expression) -%}
    {%- for pattern, replacement in patterns -%}
        {%- set ns.sql = regexp_replace_all(ns.sql, pattern, replacement) -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}
