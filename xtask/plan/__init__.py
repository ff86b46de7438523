"""A cell resolved once into a frozen, typed plan (:mod:`xtask.plan.cellplan`) by
:func:`xtask.plan.resolve.resolve`, with its checks (:mod:`xtask.plan.validate`) and its identity as
a function of the plan (:mod:`xtask.plan.identity`)."""
