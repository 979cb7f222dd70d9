"""sqlfluff's stand-in for dbt's `adapter` (it lints without a database): a dispatched macro renders its PostgreSQL
implementation, `default__<name>`, as the dialect linted is PostgreSQL's."""

from jinja2 import pass_context


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    return context.resolve("default__" + macro_name)
