{#-
    The value rules (README: Value rules) as Spark SQL expressions: the same results as PostgreSQL's functions
    ops.normalised / no_answer / parse_date / parse_timestamp / parse_number / parse_integer (warehouse/ddl.sql) and
    metrics_warehouse.ingest.values, NULL where ingestion quarantines. Each is one expression (no function to install
    on a cluster); a value read more than once is bound once with transform(array(value), name -> ...), and a
    regular expression's groups are read with one regexp_replace into `;`-separated text (views stay small enough
    for a metastore: Derby keeps a view's text in 32,700 characters). Patterns run in Java's UNIX_LINES mode `(?d)`:
    otherwise `$` also matches before a final U+2028, U+2029 or U+0085, which PostgreSQL's and Python's do not.
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

{#- NFKC of characters that become several: the characters, and their forms separated by `;`. -#}
{% macro nfkc_expansions() -%}
    {{ return(('Ǳǲǳ‥…₨℀℁℅℆№℠℡™⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚㉛㉜㉝㉞㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿㋏㍲㍳㍴㍷㍸㍹㎁㎃㎆㎈㎖㎗㎚㎜㎝㎟㎠㎡㎣㎤㎥㎭㎱㎳㏂㏄㏅㏇㏈㏐㏑㏔㏖㏛ﬅﬆ︙︰🄀🄁🄂🄃🄄🄅🄆🄇🄈🄉🄊🄭🅌🅍🅪🅫🅬', 'DZ;Dz;dz;..;...;Rs;a/c;a/s;c/o;c/u;No;SM;TEL;TM;10;11;12;13;14;15;16;17;18;19;20;1.;2.;3.;4.;5.;6.;7.;8.;9.;10.;11.;12.;13.;14.;15.;16.;17.;18.;19.;20.;21;22;23;24;25;26;27;28;29;30;31;32;33;34;35;36;37;38;39;40;41;42;43;44;45;46;47;48;49;50;LTD;da;AU;bar;dm;dm2;dm3;nA;mA;MB;cal;ml;dl;nm;mm;cm;mm2;cm2;m2;mm3;cm3;m3;rad;ns;ms;a.m.;cc;cd;Co.;dB;lm;ln;mb;mol;sr;st;st;...;..;0.;0,;1,;2,;3,;4,;5,;6,;7,;8,;9,;CD;SD;SS;MC;MD;MR')) }}
{%- endmacro %}

{#- A value as the rules read it: NFKC, then trimmed of spaces, tabs and line breaks. -#}
{% macro normalised(expression) -%}
    {{ return(adapter.dispatch('normalised')(expression)) }}
{%- endmacro %}

{% macro default__normalised(expression) -%}
    ops.normalised({{ expression }})
{%- endmacro %}

{% macro spark__normalised(expression) -%}
    {%- set single, expansions = nfkc_single_characters(), nfkc_expansions() -%}
    btrim(element_at(transform(array(translate({{ expression }}, '{{ single[0] }}', '{{ single[1] }}')), nfkc_v ->
        case
            when nfkc_v rlike '[^\\x00-\\x7F]' then array_join(transform(split(nfkc_v, ''), nfkc_c -> coalesce(
                try_element_at(map_from_arrays(split('{{ expansions[0] }}', ''), split('{{ expansions[1] }}', ';')), nfkc_c),
                nfkc_c
            )), '')
            else nfkc_v
        end
    ), 1), ' \t\n\u000B\u000C\r')
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

{#-
    The `;`-separated groups of the first of `patterns` that matches the whole of `text` (an array of texts, '' for
    a group that took no part; null when none matches). `groups`: how many capturing groups each pattern has.
-#}
{% macro spark_regex_groups(text, patterns, groups) -%}
    {%- set references = [] -%}
    {%- for group in range(1, groups + 1) -%}{%- do references.append('$' ~ group) -%}{%- endfor -%}
    {%- set replacement = references | join(';') -%}
    case
        {%- for pattern in patterns %}
        when {{ text }} rlike '{{ pattern }}' then split(regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}'), ';')
        {%- endfor %}
    end
{%- endmacro %}

{% macro spark__parse_date(expression) -%}
    element_at(transform(array({{ normalised(expression) }}), parse_d ->
        case
            when parse_d rlike '(?d)^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$'
                and cast(substr(parse_d, 9, 2) as int)
                <= day(last_day(make_date(cast(substr(parse_d, 1, 4) as int), cast(substr(parse_d, 6, 2) as int), 1)))
                then make_date(
                    cast(substr(parse_d, 1, 4) as int), cast(substr(parse_d, 6, 2) as int), cast(substr(parse_d, 9, 2) as int)
                )
        end
    ), 1)
{%- endmacro %}

{#- Groups: 0-2 date, 3-6 hour, minute, second, fraction, 7 `Z`, 8-10 offset sign, hours, minutes. -#}
{% macro spark__parse_timestamp(expression, source_tz) -%}
    {%- set patterns = [
        '(?d)^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?[ \\t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])(?::?([0-5][0-9]))?)?)?$',
        '(?d)^([12][0-9]{3})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3])([0-5][0-9])(?:([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?[ \\t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])([0-5][0-9])?)?$',
    ] -%}
    element_at(transform(array({{ normalised(expression) }}), parse_t ->
        case
            when parse_t rlike '(?d)^[0-9]{1,13}$' then timestamp_millis(cast(parse_t as bigint))
            else element_at(transform(array(transform({{ spark_regex_groups('parse_t', patterns, 11) }}, parse_g -> nullif(parse_g, ''))), parse_p ->
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

{#- Groups: 0 sign, 1 whole part, 2 fraction (with its point), 3 exponent; currency symbols and codes dropped first. -#}
{% macro spark__parse_number(expression) -%}
    element_at(transform(array({{ normalised(expression) }}), parse_n ->
        case
            when parse_n is null or lower(parse_n) in ('', 'n/a', 'na', 'null', 'none') then null
            else element_at(transform(array({{ spark_regex_groups(
                "btrim(regexp_replace(parse_n, '(?id)^(?:cny|rmb|usd) *| *(?:cny|rmb|usd)$|[¥$€£]', ''), ' ')",
                ['(?d)^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?([.][0-9]*)?([eE][+-]?[0-9]+)?$'],
                4
            ) }}), parse_p ->
                case
                    when parse_p[1] || substr(parse_p[2], 2) <> ''
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
