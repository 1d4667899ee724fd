"""Pair slugs that name no comparison, for every route that takes one."""

# Next to a published "cursor" and a draft "drafty": a side that does not exist, a side
# that is not published, no "-vs-" at all, and an empty side either way.
NOT_A_PAIR = ["cursor-vs-nothing", "cursor-vs-drafty", "cursor", "-vs-cursor", "cursor-vs-"]
