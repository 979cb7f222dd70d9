{#-
    The value rules (README: Value rules) as Spark SQL expressions: the same results as PostgreSQL's functions
    ops.normalised / no_answer / parse_date / parse_timestamp / parse_number / parse_integer (warehouse/ddl.sql) and
    metrics_warehouse.ingest.values, NULL where ingestion quarantines. Each is one expression (no function to install
    on a cluster); a value read more than once is bound once with transform(array(value), name -> ...).
    Spark has no Unicode normalization: NFKC is applied as far as the rules can see it, i.e. to every character whose
    NFKC form is made only of characters the rules read (digits, signs, separators, the letters of T/Z/e, n/a, null,
    none, cny/rmb/usd, ¥$€£); any other character fails the rules with or without NFKC.
    tests/unit/test_dbt_spark_values.py checks these tables against Python's unicodedata.
    Numbers are decimal(38,18) (20 integer digits, the ratio scale): a longer number is null on Spark.
-#}

{#- NFKC, character to character (from, to: the same length). -#}
{% macro nfkc_single_characters() -%}
    {{ return((' ª²³¹ºſʳʸˡˢᴬᴮᴰᴱᴸᴹᴺᴼᴿᵀᵁᵃᵇᵈᵉᵐᵒᵗᵘᵣᵤᶜᶻ           ․  ⁰⁴⁵⁶⁷⁸⁹⁺ⁿ₀₁₂₃₄₅₆₇₈₉₊ₐₑₒₗₘₙₛₜℂℒℓℕℛℜℝℤℨℬℭℯℰℳℴⅅⅆⅇⅬⅭⅮⅯⅼⅽⅾⅿ①②③④⑤⑥⑦⑧⑨ⒶⒷⒸⒹⒺⓁⓂⓃⓄⓇⓈⓉⓊⓎⓏⓐⓑⓒⓓⓔⓛⓜⓝⓞⓡⓢⓣⓤⓨⓩ⓪　ꟲ﬩︐︓﹐﹒﹕﹢﹣﹩＄＋，－．／０１２３４５６７８９：ＡＢＣＤＥＬＭＮＯＲＳＴＵＹＺａｂｃｄｅｌｍｎｏｒｓｔｕｙｚ￡￥𝐀𝐁𝐂𝐃𝐄𝐋𝐌𝐍𝐎𝐑𝐒𝐓𝐔𝐘𝐙𝐚𝐛𝐜𝐝𝐞𝐥𝐦𝐧𝐨𝐫𝐬𝐭𝐮𝐲𝐳𝐴𝐵𝐶𝐷𝐸𝐿𝑀𝑁𝑂𝑅𝑆𝑇𝑈𝑌𝑍𝑎𝑏𝑐𝑑𝑒𝑙𝑚𝑛𝑜𝑟𝑠𝑡𝑢𝑦𝑧𝑨𝑩𝑪𝑫𝑬𝑳𝑴𝑵𝑶𝑹𝑺𝑻𝑼𝒀𝒁𝒂𝒃𝒄𝒅𝒆𝒍𝒎𝒏𝒐𝒓𝒔𝒕𝒖𝒚𝒛𝒜𝒞𝒟𝒩𝒪𝒮𝒯𝒰𝒴𝒵𝒶𝒷𝒸𝒹𝓁𝓂𝓃𝓇𝓈𝓉𝓊𝓎𝓏𝓐𝓑𝓒𝓓𝓔𝓛𝓜𝓝𝓞𝓡𝓢𝓣𝓤𝓨𝓩𝓪𝓫𝓬𝓭𝓮𝓵𝓶𝓷𝓸𝓻𝓼𝓽𝓾𝔂𝔃𝔄𝔅𝔇𝔈𝔏𝔐𝔑𝔒𝔖𝔗𝔘𝔜𝔞𝔟𝔠𝔡𝔢𝔩𝔪𝔫𝔬𝔯𝔰𝔱𝔲𝔶𝔷𝔸𝔹𝔻𝔼𝕃𝕄𝕆𝕊𝕋𝕌𝕐𝕒𝕓𝕔𝕕𝕖𝕝𝕞𝕟𝕠𝕣𝕤𝕥𝕦𝕪𝕫𝕬𝕭𝕮𝕯𝕰𝕷𝕸𝕹𝕺𝕽𝕾𝕿𝖀𝖄𝖅𝖆𝖇𝖈𝖉𝖊𝖑𝖒𝖓𝖔𝖗𝖘𝖙𝖚𝖞𝖟𝖠𝖡𝖢𝖣𝖤𝖫𝖬𝖭𝖮𝖱𝖲𝖳𝖴𝖸𝖹𝖺𝖻𝖼𝖽𝖾𝗅𝗆𝗇𝗈𝗋𝗌𝗍𝗎𝗒𝗓𝗔𝗕𝗖𝗗𝗘𝗟𝗠𝗡𝗢𝗥𝗦𝗧𝗨𝗬𝗭𝗮𝗯𝗰𝗱𝗲𝗹𝗺𝗻𝗼𝗿𝘀𝘁𝘂𝘆𝘇𝘈𝘉𝘊𝘋𝘌𝘓𝘔𝘕𝘖𝘙𝘚𝘛𝘜𝘠𝘡𝘢𝘣𝘤𝘥𝘦𝘭𝘮𝘯𝘰𝘳𝘴𝘵𝘶𝘺𝘻𝘼𝘽𝘾𝘿𝙀𝙇𝙈𝙉𝙊𝙍𝙎𝙏𝙐𝙔𝙕𝙖𝙗𝙘𝙙𝙚𝙡𝙢𝙣𝙤𝙧𝙨𝙩𝙪𝙮𝙯𝙰𝙱𝙲𝙳𝙴𝙻𝙼𝙽𝙾𝚁𝚂𝚃𝚄𝚈𝚉𝚊𝚋𝚌𝚍𝚎𝚕𝚖𝚗𝚘𝚛𝚜𝚝𝚞𝚢𝚣𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗𝟘𝟙𝟚𝟛𝟜𝟝𝟞𝟟𝟠𝟡𝟢𝟣𝟤𝟥𝟦𝟧𝟨𝟩𝟪𝟫𝟬𝟭𝟮𝟯𝟰𝟱𝟲𝟳𝟴𝟵𝟶𝟷𝟸𝟹𝟺𝟻𝟼𝟽𝟾𝟿🄫🄬🄰🄱🄲🄳🄴🄻🄼🄽🄾🅁🅂🅃🅄🅈🅉🯰🯱🯲🯳🯴🯵🯶🯷🯸🯹', ' a231osrylsABDELMNORTUabdemoturucz           .  0456789+n0123456789+aeolmnstCLlNRRRZZBCeEMoDdeLCDMlcdm123456789ABCDELMNORSTUYZabcdelmnorstuyz0 C+,:,.:+-$$+,-./0123456789:ABCDELMNORSTUYZabcdelmnorstuyz£¥ABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzACDNOSTUYZabcdlmnrstuyzABCDELMNORSTUYZabcdelmnorstuyzABDELMNOSTUYabcdelmnorstuyzABDELMOSTUYabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyzABCDELMNORSTUYZabcdelmnorstuyz01234567890123456789012345678901234567890123456789CRABCDELMNORSTUYZ0123456789')) }}
{%- endmacro %}

{#- NFKC of characters that become several. -#}
{% macro nfkc_expansions() -%}
    {{ return([
        ('Ǳ', 'DZ'),
        ('ǲ', 'Dz'),
        ('ǳ', 'dz'),
        ('‥', '..'),
        ('…', '...'),
        ('₨', 'Rs'),
        ('℀', 'a/c'),
        ('℁', 'a/s'),
        ('℅', 'c/o'),
        ('℆', 'c/u'),
        ('№', 'No'),
        ('℠', 'SM'),
        ('℡', 'TEL'),
        ('™', 'TM'),
        ('⑩', '10'),
        ('⑪', '11'),
        ('⑫', '12'),
        ('⑬', '13'),
        ('⑭', '14'),
        ('⑮', '15'),
        ('⑯', '16'),
        ('⑰', '17'),
        ('⑱', '18'),
        ('⑲', '19'),
        ('⑳', '20'),
        ('⒈', '1.'),
        ('⒉', '2.'),
        ('⒊', '3.'),
        ('⒋', '4.'),
        ('⒌', '5.'),
        ('⒍', '6.'),
        ('⒎', '7.'),
        ('⒏', '8.'),
        ('⒐', '9.'),
        ('⒑', '10.'),
        ('⒒', '11.'),
        ('⒓', '12.'),
        ('⒔', '13.'),
        ('⒕', '14.'),
        ('⒖', '15.'),
        ('⒗', '16.'),
        ('⒘', '17.'),
        ('⒙', '18.'),
        ('⒚', '19.'),
        ('⒛', '20.'),
        ('㉑', '21'),
        ('㉒', '22'),
        ('㉓', '23'),
        ('㉔', '24'),
        ('㉕', '25'),
        ('㉖', '26'),
        ('㉗', '27'),
        ('㉘', '28'),
        ('㉙', '29'),
        ('㉚', '30'),
        ('㉛', '31'),
        ('㉜', '32'),
        ('㉝', '33'),
        ('㉞', '34'),
        ('㉟', '35'),
        ('㊱', '36'),
        ('㊲', '37'),
        ('㊳', '38'),
        ('㊴', '39'),
        ('㊵', '40'),
        ('㊶', '41'),
        ('㊷', '42'),
        ('㊸', '43'),
        ('㊹', '44'),
        ('㊺', '45'),
        ('㊻', '46'),
        ('㊼', '47'),
        ('㊽', '48'),
        ('㊾', '49'),
        ('㊿', '50'),
        ('㋏', 'LTD'),
        ('㍲', 'da'),
        ('㍳', 'AU'),
        ('㍴', 'bar'),
        ('㍷', 'dm'),
        ('㍸', 'dm2'),
        ('㍹', 'dm3'),
        ('㎁', 'nA'),
        ('㎃', 'mA'),
        ('㎆', 'MB'),
        ('㎈', 'cal'),
        ('㎖', 'ml'),
        ('㎗', 'dl'),
        ('㎚', 'nm'),
        ('㎜', 'mm'),
        ('㎝', 'cm'),
        ('㎟', 'mm2'),
        ('㎠', 'cm2'),
        ('㎡', 'm2'),
        ('㎣', 'mm3'),
        ('㎤', 'cm3'),
        ('㎥', 'm3'),
        ('㎭', 'rad'),
        ('㎱', 'ns'),
        ('㎳', 'ms'),
        ('㏂', 'a.m.'),
        ('㏄', 'cc'),
        ('㏅', 'cd'),
        ('㏇', 'Co.'),
        ('㏈', 'dB'),
        ('㏐', 'lm'),
        ('㏑', 'ln'),
        ('㏔', 'mb'),
        ('㏖', 'mol'),
        ('㏛', 'sr'),
        ('ﬅ', 'st'),
        ('ﬆ', 'st'),
        ('︙', '...'),
        ('︰', '..'),
        ('🄀', '0.'),
        ('🄁', '0,'),
        ('🄂', '1,'),
        ('🄃', '2,'),
        ('🄄', '3,'),
        ('🄅', '4,'),
        ('🄆', '5,'),
        ('🄇', '6,'),
        ('🄈', '7,'),
        ('🄉', '8,'),
        ('🄊', '9,'),
        ('🄭', 'CD'),
        ('🅌', 'SD'),
        ('🅍', 'SS'),
        ('🅪', 'MC'),
        ('🅫', 'MD'),
        ('🅬', 'MR'),
    ]) }}
{%- endmacro %}

{#- A value as the rules read it: NFKC, then trimmed of spaces, tabs and line breaks. -#}
{% macro normalised(expression) -%}
    {{ return(adapter.dispatch('normalised')(expression)) }}
{%- endmacro %}

{% macro default__normalised(expression) -%}
    ops.normalised({{ expression }})
{%- endmacro %}

{% macro spark__normalised(expression) -%}
    {%- set single = nfkc_single_characters() -%}
    {%- set ns = namespace(sql="translate(" ~ expression ~ ", '" ~ single[0] ~ "', '" ~ single[1] ~ "')") -%}
    {%- for source, result in nfkc_expansions() -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", '" ~ source ~ "', '" ~ result ~ "')" -%}
    {%- endfor -%}
    btrim({{ ns.sql }}, ' \t\n\u000B\u000C\r')
{%- endmacro %}

{#- True when a value is no answer: null, empty, n/a, na, null or none (any case, once normalised). -#}
{% macro no_answer(expression) -%}
    {{ return(adapter.dispatch('no_answer')(expression)) }}
{%- endmacro %}

{% macro default__no_answer(expression) -%}
    ops.no_answer({{ expression }})
{%- endmacro %}

{% macro spark__no_answer(expression) -%}
    ({{ expression }} is null or lower({{ normalised(expression) }}) in ('', 'n/a', 'na', 'null', 'none'))
{%- endmacro %}

{#- The date of year, month and day texts (valid month), null when the month has no such day. -#}
{% macro spark_calendar_date(year, month, day) -%}
    case
        when cast({{ day }} as int) <= day(last_day(make_date(cast({{ year }} as int), cast({{ month }} as int), 1)))
            then make_date(cast({{ year }} as int), cast({{ month }} as int), cast({{ day }} as int))
    end
{%- endmacro %}

{% macro spark__parse_date(expression) -%}
    element_at(transform(array({{ normalised(expression) }}), parse_d ->
        case
            when parse_d rlike '^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
                then {{ spark_calendar_date('substr(parse_d, 1, 4)', 'substr(parse_d, 6, 2)', 'substr(parse_d, 9, 2)') }}
        end
    ), 1)
{%- endmacro %}

{% macro spark__parse_timestamp(expression, source_tz) -%}
    {%- set patterns = [
        '^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?[ \\t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])(?::?([0-5][0-9]))?)?)?$',
        '^([12][0-9]{3})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3])([0-5][0-9])(?:([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?[ \\t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])([0-5][0-9])?)?$',
    ] -%}
    element_at(transform(array({{ normalised(expression) }}), parse_t ->
        case
            when parse_t rlike '^[0-9]{1,13}$' then timestamp_millis(cast(parse_t as bigint))
            else element_at(transform(array(array(
                {%- for group in range(1, 12) %}
                coalesce(
                    {%- for pattern in patterns %}
                    nullif(regexp_extract(parse_t, '{{ pattern }}', {{ group }}), ''){{ ',' if not loop.last }}
                    {%- endfor %}
                ){{ ',' if not loop.last }}
                {%- endfor %}
            )), parse_p ->
                case
                    when parse_p[0] is not null and cast(parse_p[2] as int)
                        <= day(last_day(make_date(cast(parse_p[0] as int), cast(parse_p[1] as int), 1)))
                        then make_timestamp(
                            cast(parse_p[0] as int), cast(parse_p[1] as int), cast(parse_p[2] as int),
                            cast(coalesce(parse_p[3], '0') as int), cast(coalesce(parse_p[4], '0') as int),
                            cast(
                                coalesce(parse_p[5], '0') || '.' || rpad(substr(coalesce(parse_p[6], ''), 1, 6), 6, '0')
                                as decimal(8, 6)
                            ),
                            case
                                when parse_p[7] is not null then 'UTC'
                                when parse_p[8] is not null
                                    then parse_p[8] || parse_p[9] || ':' || coalesce(parse_p[10], '00')
                                else '{{ source_tz }}'
                            end
                        )
                end
            ), 1)
        end
    ), 1)
{%- endmacro %}

{% macro spark__parse_number(expression) -%}
    {%- set number = '^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?([.][0-9]*)?([eE][+-]?[0-9]+)?$' -%}
    element_at(transform(array({{ normalised(expression) }}), parse_n ->
        case
            when parse_n is null or lower(parse_n) in ('', 'n/a', 'na', 'null', 'none') then null
            else element_at(transform(array(array(
                {%- for group in range(1, 5) %}
                regexp_extract(
                    btrim(regexp_replace(parse_n, '(?i)^(?:cny|rmb|usd) *| *(?:cny|rmb|usd)$|[¥$€£]', ''), ' '),
                    '{{ number }}',
                    {{ group }}
                ){{ ',' if not loop.last }}
                {%- endfor %}
            )), parse_p ->
                case
                    when
                        btrim(regexp_replace(parse_n, '(?i)^(?:cny|rmb|usd) *| *(?:cny|rmb|usd)$|[¥$€£]', ''), ' ')
                        rlike '{{ number }}'
                        and parse_p[1] || substr(parse_p[2], 2) <> ''
                        and length(parse_p[1] || parse_p[2]) <= 100
                        and length(translate(parse_p[3], 'eE+-', '')) <= 3
                        then try_cast(
                            parse_p[0] || coalesce(nullif(translate(parse_p[1], ', ', ''), ''), '0')
                            || parse_p[2] || parse_p[3]
                            as decimal(38, 18)
                        )
                end
            ), 1)
        end
    ), 1)
{%- endmacro %}

{% macro spark__parse_integer(expression, low, high, type) -%}
    element_at(transform(array({{ parse_number(expression) }}), parse_i ->
        case
            when parse_i between {{ low }} and {{ high }} and parse_i = floor(parse_i) then cast(parse_i as {{ type }})
        end
    ), 1)
{%- endmacro %}
